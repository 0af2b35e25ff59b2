"""Trials as a UI sees them: plain records, merged from storage polls and live events, then ranked.

`TrialBook` holds every trial of a study by number and answers what the screens need: scores under the
current weights, ranks, the Pareto front and budget checks. It is plain Python (no Optuna objects, no
Textual), so it is cheap to test and to recompute when the user changes a weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from tinynas_tui.search.budgets import Budgets
from tinynas_tui.search.events import (
    EpochEnded,
    StageStarted,
    TrialFailed,
    TrialFinished,
    TrialPruned,
    TrialStarted,
)
from tinynas_tui.search.scoring import TrialMetrics, Weights, pareto_front

STATES = ("running", "complete", "pruned", "failed", "waiting")
FINISHED = ("complete", "pruned", "failed")


@dataclass(frozen=True)
class TrialRecord:
    """One trial: what storage knows of it, plus the live stage while it runs."""

    number: int
    state: str
    params: dict[str, Any] = field(default_factory=dict)
    values: tuple[float, float, float] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    stage: str | None = None
    seconds: float | None = None

    @property
    def accuracy(self) -> float | None:
        return self.values[0] if self.values else None

    @property
    def size_kb(self) -> float | None:
        return self.values[1] if self.values else None

    @property
    def latency_ms(self) -> float | None:
        return self.values[2] if self.values else None

    @property
    def arena_kb(self) -> float | None:
        arena = self.attrs.get("arena_bytes")
        return None if arena is None else arena / 1024.0

    @property
    def reason(self) -> str | None:
        """Why a trial failed or was pruned."""
        for kind in ("fail", "prune"):
            stage, reason = self.attrs.get(f"{kind}_stage"), self.attrs.get(f"{kind}_reason")
            if reason is not None:
                return f"{stage}: {reason}" if stage else reason
        return None

    @classmethod
    def from_frozen(cls, trial: Any) -> TrialRecord:
        """From an Optuna `FrozenTrial`."""
        state = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running",
                 "WAITING": "waiting"}[trial.state.name]
        seconds = None
        if trial.datetime_start and trial.datetime_complete:
            seconds = (trial.datetime_complete - trial.datetime_start).total_seconds()
        values = tuple(trial.values) if state == "complete" and trial.values else None
        return cls(trial.number, state, dict(trial.params), values, dict(trial.user_attrs), None, seconds)


@dataclass(frozen=True)
class Ranking:
    """Scores, ranks and the Pareto front of the complete trials under one set of weights and budgets."""

    scores: dict[int, float]
    ranks: dict[int, int]
    front: frozenset[int]
    feasible: frozenset[int]

    @property
    def best(self) -> int | None:
        return min(self.ranks, key=self.ranks.__getitem__) if self.ranks else None


class TrialBook:
    """Every trial of one study by number, kept current from polls and events."""

    def __init__(self) -> None:
        self.records: dict[int, TrialRecord] = {}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, number: int) -> TrialRecord | None:
        return self.records.get(number)

    def ordered(self) -> list[TrialRecord]:
        return [self.records[n] for n in sorted(self.records)]

    def merge(self, records: Iterable[TrialRecord]) -> list[int]:
        """Take records from storage; return the numbers that changed.

        A live stage survives a poll that still sees the trial running. A poll read before a trial
        finished can arrive after its live result: finished states are final, so it is ignored.
        """
        changed = []
        for rec in records:
            old = self.records.get(rec.number)
            if old is not None and old.state in FINISHED and rec.state not in FINISHED:
                continue
            if old is not None and rec.state == "running" and old.state == "running":
                rec = replace(rec, stage=old.stage)
            if old != rec:
                self.records[rec.number] = rec
                changed.append(rec.number)
        return changed

    def apply(self, event: object) -> int | None:
        """Fold a live event into the book; return the trial number it changed, if any."""
        if isinstance(event, TrialStarted):
            self.records[event.number] = TrialRecord(event.number, "running", dict(event.params), stage="starting")
            return event.number
        number = getattr(event, "number", None)
        old = self.records.get(number) if number is not None else None
        if old is None:
            return None
        if isinstance(event, StageStarted):
            self.records[number] = replace(old, stage=event.stage)
        elif isinstance(event, EpochEnded):
            self.records[number] = replace(old, stage=f"{event.stage} {event.epoch}/{event.epochs}")
        elif isinstance(event, TrialFinished):
            attrs = {**old.attrs, **event.metrics}
            values = (event.accuracy, event.size_kb, event.latency_ms)
            self.records[number] = replace(old, state="complete", values=values, attrs=attrs, stage=None)
        elif isinstance(event, TrialFailed):
            attrs = {**old.attrs, "fail_stage": event.stage, "fail_reason": event.reason}
            self.records[number] = replace(old, state="failed", attrs=attrs, stage=None)
        elif isinstance(event, TrialPruned):
            attrs = {**old.attrs, **event.metrics, "prune_stage": event.stage, "prune_reason": event.reason}
            self.records[number] = replace(old, state="pruned", attrs=attrs, stage=None)
        else:
            return None
        return number

    def complete(self) -> list[TrialRecord]:
        return [r for r in self.ordered() if r.state == "complete" and r.values]

    def rank(self, weights: Weights, budgets: Budgets | None = None) -> Ranking:
        """Score every complete trial; trials over a budget rank after all that fit."""
        budgets = budgets or Budgets()
        done = self.complete()
        scores = {r.number: weights.score(*r.values) for r in done}
        feasible = frozenset(r.number for r in done if budgets.holds(r))
        order = sorted(done, key=lambda r: (r.number not in feasible, -scores[r.number], r.number))
        ranks = {r.number: i for i, r in enumerate(order, start=1)}
        metrics = [TrialMetrics(r.number, *r.values) for r in done]
        front = frozenset(m.number for m in pareto_front(metrics))
        return Ranking(scores, ranks, front, feasible)

    def count(self, *states: str) -> int:
        return sum(1 for r in self.records.values() if r.state in states)
