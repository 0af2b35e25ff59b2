"""Multi-fidelity screening: which briefly trained candidates earn their full training.

A screened candidate has been trained a few epochs; its size and latency are already what the full model's
will be (they depend on the architecture alone), only its accuracy will still grow. It is promoted to full
training when no earlier screened candidate dominates it on (accuracy at the screen, size, latency) by
more than ``slack`` in accuracy: the non-dominated rank the Pareto front is built from, not accuracy
alone, so a small fast model of modest early accuracy is kept for the same reason a large accurate one is.
A candidate over a budget is never promoted, and candidates over a budget do not count as peers (they
could never be deployed, so they say nothing about what is worth training). Until ``min_peers`` feasible
candidates have been screened, every feasible one is promoted: there is nothing yet to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class ScreenPoint:
    """One screened candidate: its accuracy after the screen's epochs, its size and latency, and whether
    it fits the budgets."""

    accuracy: float
    size_kb: float
    latency_ms: float
    feasible: bool = True


@dataclass(frozen=True)
class ScreenRule:
    """When a screened candidate is promoted (see the module's docstring)."""

    slack: float = 0.0
    """Accuracy a dominating peer must exceed the candidate's by: early accuracy is noisy."""
    min_peers: int = 3
    """Feasible candidates screened before any is held back."""


@dataclass(frozen=True)
class ScreenVerdict:
    promoted: bool
    reason: str
    dominated_by: int
    """How many feasible peers dominate the candidate."""
    peers: int
    """How many feasible peers it was compared with."""


def judge(candidate: ScreenPoint, peers: Iterable[ScreenPoint], rule: ScreenRule = ScreenRule()) -> ScreenVerdict:
    """Whether ``candidate`` is promoted, given the candidates screened before it."""
    feasible = [p for p in peers if p.feasible]
    if not candidate.feasible:
        return ScreenVerdict(False, "over a budget", 0, len(feasible))
    if len(feasible) < rule.min_peers:
        return ScreenVerdict(True, f"only {len(feasible)} screened before it (promoted until {rule.min_peers})",
                             0, len(feasible))
    beaten = sum(1 for p in feasible if _dominates(p, candidate, rule.slack))
    if beaten:
        return ScreenVerdict(False, f"dominated by {beaten} of {len(feasible)} screened candidates", beaten,
                             len(feasible))
    return ScreenVerdict(True, f"not dominated by any of {len(feasible)} screened candidates", 0, len(feasible))


def _dominates(a: ScreenPoint, b: ScreenPoint, slack: float) -> bool:
    """``a`` is at least as small and as fast as ``b`` and more accurate by over ``slack``, or as accurate
    (within slack or better) and strictly smaller or faster."""
    if a.size_kb > b.size_kb or a.latency_ms > b.latency_ms:
        return False
    if a.accuracy > b.accuracy + slack:
        return True
    return a.accuracy >= b.accuracy + slack and (a.size_kb < b.size_kb or a.latency_ms < b.latency_ms)
