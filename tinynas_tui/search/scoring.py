"""The weighted score that ranks trials: ``acc*w_acc - size_kb*w_size - latency_ms*w_latency``.

Weights are data, not code: they rank trials and never change the study, so a user can re-rank at will.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from tinynas_tui.errors import UsageError


@dataclass(frozen=True)
class TrialMetrics:
    """The three objectives of one complete trial."""

    number: int
    accuracy: float
    size_kb: float
    latency_ms: float


WEIGHT_NAMES = ("ACC", "SIZE", "LATENCY")
"""How messages name the three weights, in ``--weights`` order."""


@dataclass(frozen=True)
class Weights:
    """Score weights; the defaults are the seed's ``100, 0.01, 0.1``."""

    accuracy: float = 100.0
    size_kb: float = 0.01
    latency_ms: float = 0.1

    def score(self, accuracy: float, size_kb: float, latency_ms: float) -> float:
        return accuracy * self.accuracy - size_kb * self.size_kb - latency_ms * self.latency_ms

    def as_text(self) -> str:
        return f"{self.accuracy:g},{self.size_kb:g},{self.latency_ms:g}"

    @classmethod
    def parse(cls, text: str) -> Weights:
        """Parse ``"100,0.01,0.1"``: three finite numbers, 0 or more.

        Raises:
            UsageError: One line naming the value that is wrong, e.g. ``--weights: SIZE 'abc' is not a number``.
        """
        expected = "expected three numbers ACC,SIZE,LATENCY, e.g. 100,0.01,0.1"
        if not text.strip():
            raise UsageError(f"--weights is empty; {expected}")
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 3:
            raise UsageError(f"--weights {text!r} has {len(parts)} values; {expected}")
        values = []
        for name, part in zip(WEIGHT_NAMES, parts):
            try:
                value = float(part)
            except ValueError:
                raise UsageError(f"--weights: {name} {part!r} is not a number; {expected}") from None
            if not math.isfinite(value):
                raise UsageError(f"--weights: {name} {part!r} is not finite; expected finite numbers, 0 or more")
            if value < 0:
                raise UsageError(f"--weights: {name} {part!r} is negative; expected numbers 0 or more")
            values.append(value)
        return cls(*values)


def rank(trials: Iterable[TrialMetrics], weights: Weights) -> list[tuple[float, TrialMetrics]]:
    """Trials with their scores, best first; ties keep the earlier trial first."""
    scored = [(weights.score(t.accuracy, t.size_kb, t.latency_ms), t) for t in trials]
    scored.sort(key=lambda st: (-st[0], st[1].number))
    return scored


def pareto_front(trials: Sequence[TrialMetrics]) -> list[TrialMetrics]:
    """The trials no other trial dominates (accuracy up, size and latency down), in trial order.

    Trials are swept best-accuracy first, so a trial can only be dominated by one seen before it, and
    only the front found so far needs checking: O(n * front) rather than O(n^2).
    """

    def dominates(a: TrialMetrics, b: TrialMetrics) -> bool:
        no_worse = a.accuracy >= b.accuracy and a.size_kb <= b.size_kb and a.latency_ms <= b.latency_ms
        better = a.accuracy > b.accuracy or a.size_kb < b.size_kb or a.latency_ms < b.latency_ms
        return no_worse and better

    front: list[TrialMetrics] = []
    for t in sorted(trials, key=lambda t: (-t.accuracy, t.size_kb, t.latency_ms, t.number)):
        if not any(dominates(f, t) for f in front):
            front.append(t)
    return sorted(front, key=lambda t: t.number)
