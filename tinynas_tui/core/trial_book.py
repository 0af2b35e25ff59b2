"""Trials as a UI sees them: plain records, merged from storage polls and live events, then ranked.

`TrialBook` holds every trial of a study by number and answers what the screens need: scores under the
current weights, ranks, the Pareto front and budget checks. It is plain Python (no Optuna objects, no
Textual), so it is cheap to test and to recompute when the user changes a weight. Seed repeats
(`tinynas_tui.core.seed_repeats`) are listed but never ranked: they measure a candidate again, they are
not candidates, so they stay off the front and out of the hypervolume.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from typing import Any, Callable, Iterable, Mapping

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.events import (
    EpochEnded,
    PreflightMeasured,
    StageStarted,
    TrialFailed,
    TrialFinished,
    TrialPruned,
    TrialStarted,
)
from tinynas_tui.core.figures import FINISHED, STATES
from tinynas_tui.core.hypervolume import HypervolumeHistory, Reference
from tinynas_tui.core.live_trial import LiveTrial
from tinynas_tui.core.ranking import Ranking, rank_complete
from tinynas_tui.core.scoring import Weights, dominates, front_numbers
from tinynas_tui.core.seed_repeats import ConfirmPlan, RepeatIndex, SeedSpread, plan_confirm, repeat_line, spread
from tinynas_tui.core.trial_record import TrialRecord

# Beyond this many new complete trials in one merge, the front is recomputed by a sweep instead.
_INCREMENTAL_FRONT_MAX = 32


class TrialBook:
    """Every trial of one study by number, kept current from polls and events.

    Counts per state, the complete trials and the Pareto front are kept up to date as records
    arrive, so a finished trial costs O(front) rather than a pass over the whole study.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.records: dict[int, TrialRecord] = {}
        self._clock = clock  # when live events happen (trial start, stage start, epoch end)
        self._typical: tuple[int, tuple[float, int] | None] = (-1, None)  # (complete_changes, typical_seconds)
        self._counts: dict[str, int] = dict.fromkeys(STATES, 0)
        self._complete: dict[int, TrialRecord] = {}  # the candidates: complete, with values, no seed repeat
        self.repeats = RepeatIndex()
        """Which trials are seed repeats of which."""
        self._front: set[int] | None = set()  # None: recompute on demand
        self._complete_sorted = True  # _complete is in trial-number order
        self.complete_changes = 0
        """Counts changes to the set of complete trials or their values: a ranking older than that is stale."""
        self._added = 0
        self._hv: HypervolumeHistory | None = None  # kept once asked for; None: none asked for, or stale

    @classmethod
    def of_frozen(cls, trials: Iterable[Any]) -> TrialBook:
        """A book of Optuna `FrozenTrial`s (a study's ``get_trials()``)."""
        book = cls()
        book.merge(TrialRecord.from_frozen(t) for t in trials)
        return book

    def __len__(self) -> int:
        return len(self.records)

    def get(self, number: int) -> TrialRecord | None:
        return self.records.get(number)

    def ordered(self) -> list[TrialRecord]:
        return [self.records[n] for n in sorted(self.records)]

    def _put(self, rec: TrialRecord) -> None:
        old = self.records.get(rec.number)
        if old is not None:
            self._counts[old.state] = self._counts.get(old.state, 0) - 1
        self._counts[rec.state] = self._counts.get(rec.state, 0) + 1
        self.records[rec.number] = rec
        was = self._complete.get(rec.number)
        repeat = self.repeats.put(rec)
        now = rec.state == "complete" and rec.values is not None and not repeat
        if now:
            if was is None and self._complete and rec.number < next(reversed(self._complete)):
                self._complete_sorted = False
            self._complete[rec.number] = rec
            if was is None or was.values != rec.values or was.attrs.get(figures.ARENA_BYTES) != rec.attrs.get(figures.ARENA_BYTES):
                self.complete_changes += 1
            if was is None or was.values != rec.values:
                if was is not None:
                    self._front = None  # values changed: start again
                    self._hv = None
                elif self._hv is not None:
                    self._hv.add(rec.values)  # type: ignore[arg-type]
                self._front_add(rec)
        elif was is not None:
            del self._complete[rec.number]
            self.complete_changes += 1
            self._front = None
            self._hv = None

    def _front_add(self, rec: TrialRecord) -> None:
        if self._front is None:
            return
        self._added += 1
        if self._added > _INCREMENTAL_FRONT_MAX:
            self._front = None
            return
        values = rec.values
        complete = self._complete
        if any(dominates(complete[n].values, values) for n in self._front):  # type: ignore[arg-type]
            return
        self._front = {n for n in self._front if not dominates(values, complete[n].values)}  # type: ignore[arg-type]
        self._front.add(rec.number)

    def merge(self, records: Iterable[TrialRecord]) -> list[int]:
        """Take records from storage; return the numbers that changed.

        A live stage survives a poll that still sees the trial running. A poll read before a trial
        finished can arrive after its live result: finished states are final, so it is ignored.
        """
        changed = []
        self._added = 0
        for rec in records:
            old = self.records.get(rec.number)
            if old is not None and old.state in FINISHED and rec.state not in FINISHED:
                continue
            if old is not None and rec.partial and not old.partial and rec.state == old.state:
                continue  # a summary never replaces the full record
            if old is not None and rec.state == "running" and old.state == "running":
                rec = replace(rec, stage=old.stage, live=old.live, started_at=rec.started_at or old.started_at)
            if old != rec:
                self._put(rec)
                changed.append(rec.number)
        self._added = 0
        return changed

    def add_params(self, params: Mapping[int, dict[str, Any]]) -> list[int]:
        """Give summary-read trials their parameters (read apart, see `Engine.read_params`); return the
        numbers that changed. A record that has parameters keeps them."""
        changed = []
        for number, values in params.items():
            old = self.records.get(number)
            if old is not None and not old.params and values:
                self.records[number] = replace(old, params=dict(values))
                changed.append(number)
        return changed

    def apply(self, event: object) -> int | None:
        """Fold a live event into the book; return the trial number it changed, if any."""
        self._added = 0
        now = self._clock()
        if isinstance(event, TrialStarted):
            attrs = {} if event.repeat_of is None else {figures.REPEAT_OF: event.repeat_of}
            self._put(TrialRecord(event.number, "running", dict(event.params), attrs=attrs, stage="starting",
                                  started_at=now, live=LiveTrial()))
            return event.number
        number = getattr(event, "number", None)
        old = self.records.get(number) if number is not None else None
        if old is None:
            return None
        live = old.live or LiveTrial()
        if isinstance(event, StageStarted):
            self._put(replace(old, stage=event.stage, live=live.stage_began(event.stage, now)))
        elif isinstance(event, EpochEnded):
            self._put(replace(old, stage=f"{event.stage} {event.epoch}/{event.epochs}",
                              live=live.epoch_ended(event, now)))
        elif isinstance(event, PreflightMeasured):
            if old.state != "running":
                return None
            self._put(replace(old, live=live.measured(event.figures)))
        elif isinstance(event, (TrialFinished, TrialFailed, TrialPruned)):
            self._put(self._ended(old, event, now))
        else:
            return None
        return number

    @staticmethod
    def _ended(old: TrialRecord, event: TrialFinished | TrialFailed | TrialPruned, now: float) -> TrialRecord:
        seconds = old.seconds if old.started_at is None else max(0.0, now - old.started_at)
        ended = replace(old, stage=None, live=None, seconds=seconds)
        if isinstance(event, TrialFinished):
            values = (event.accuracy, event.size_kb, event.latency_ms)
            return replace(ended, state="complete", values=values, attrs={**old.attrs, **event.metrics})
        if isinstance(event, TrialFailed):
            attrs = {**old.attrs, figures.FAIL_STAGE: event.stage, figures.FAIL_REASON: event.reason}
            return replace(ended, state="failed", attrs=attrs)
        attrs = {**old.attrs, **event.metrics, figures.PRUNE_STAGE: event.stage, figures.PRUNE_REASON: event.reason}
        return replace(ended, state="pruned", attrs=attrs)

    def typical_seconds(self) -> tuple[float, int] | None:
        """(median duration, how many trials it is of) of the complete trials whose duration is known;
        None when none is. Computed again only when the complete trials change."""
        changes, typical = self._typical
        if changes != self.complete_changes:
            durations = [r.seconds for r in self._complete.values() if r.seconds is not None]
            typical = (statistics.median(durations), len(durations)) if durations else None
            self._typical = (self.complete_changes, typical)
        return typical

    def _sorted_complete(self) -> dict[int, TrialRecord]:
        if not self._complete_sorted:
            self._complete = {n: self._complete[n] for n in sorted(self._complete)}
            self._complete_sorted = True
        return self._complete

    def complete(self) -> list[TrialRecord]:
        """Complete trials with values, in trial order (seed repeats left out: they are not candidates)."""
        return list(self._sorted_complete().values())

    def complete_snapshot(self) -> dict[int, TrialRecord]:
        """A copy of the complete trials by number, in trial order, that another thread may rank."""
        return dict(self._sorted_complete())

    def front(self) -> frozenset[int]:
        """Numbers of the complete trials on the Pareto front."""
        if self._front is None:
            points = ((-r.values[0], r.values[1], r.values[2], n) for n, r in self._complete.items())  # type: ignore[index]
            self._front = set(front_numbers(points))
        return frozenset(self._front)

    def hypervolume(self, reference: Reference) -> HypervolumeHistory:
        """The hypervolume after each complete trial: in trial-number order when first asked for (one pass),
        then kept as trials complete, each in the order it arrives (O(front) per trial)."""
        hv = self._hv
        if hv is None or hv.reference != reference:
            hv = HypervolumeHistory(reference)
            for rec in self._sorted_complete().values():
                hv.add(rec.values)  # type: ignore[arg-type]
            self._hv = hv
        return hv

    def rank(self, weights: Weights, budgets: Budgets | None = None) -> Ranking:
        """Score every complete trial; trials over a budget rank after all that fit."""
        return rank_complete(self._sorted_complete(), self.front(), weights, budgets)

    def seed_spread(self, number: int) -> SeedSpread | None:
        """Trial ``number``'s accuracy over it and its complete seed repeats; None without any."""
        record = self.records.get(number)
        if record is None:
            return None
        return spread(record, (self.records[m] for m in self.repeats.repeats(number)))

    def confirm_plan(self, ranking: Ranking, top: int, repeats: int) -> ConfirmPlan:
        """Which of the front's ``top`` best trials under ``ranking`` to confirm, each with the repeats it
        still needs of ``repeats`` (`seed_repeats.plan_confirm` on this book's trials)."""
        return plan_confirm(self.records, ranking, self.repeats, top, repeats)

    def seed_spreads(self) -> dict[int, SeedSpread]:
        """By trial number, the accuracy over its seeds of every trial that has one (`seed_spread`)."""
        return {n: found for n in self.repeats.repeated() if (found := self.seed_spread(n)) is not None}

    def seed_line(self, number: int) -> str | None:
        """What seed repeats say of trial ``number``: its accuracy over its seeds, or on a repeat, whose it is
        (``seed repeat of #4``); None when neither."""
        original = self.repeats.original(number)
        if original is not None:
            return repeat_line(original)
        found = self.seed_spread(number)
        return None if found is None else found.line

    def count(self, *states: str) -> int:
        return sum(self._counts.get(s, 0) for s in states)
