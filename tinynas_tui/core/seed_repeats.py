"""Seed repeats: the front's best trials run again with other seeds, so that the front is not luck.

A trial trains with the seed ``1000 + its number``. A *seed repeat* is a trial enqueued with another
trial's parameters (so a new number, and a new seed) and the user attribute `figures.REPEAT_OF` naming
the trial it repeats. A model's size and latency follow from its architecture; its accuracy varies by
seed, and `SeedSpread` says by how much: the mean, sample standard deviation, minimum and maximum of the
int8 accuracy over the trial and its complete repeats.

Repeats are measurements of a candidate, not new candidates: the trial book leaves them out of the
ranking, the Pareto front and the hypervolume, so a lucky seed cannot enter the front. Which trials are
confirmed (`plan_confirm`) is decided here, for the headless run, ``tinynas-tui worker`` and the UI alike.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from tinynas_tui.core import figures
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord

DEFAULT_REPEATS = 2
"""Seed repeats of each confirmed trial unless ``--confirm-repeats`` says otherwise: three seeds in all."""
DEFAULT_TOP = 3
"""Front trials the UI's confirm key runs again unless ``--confirm K`` says how many."""
COUNTED = (figures.COMPLETE, figures.RUNNING, figures.WAITING)
"""A repeat in one of these states needs no other; one that failed or was pruned is run again by the next
confirmation (a resume)."""


def as_repeat_of(value: Any) -> int | None:
    """A stored `figures.REPEAT_OF` value as a trial number; None when it is not one (untrusted storage)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def repeat_of(record: TrialRecord) -> int | None:
    """The trial ``record`` is a seed repeat of; None for a trial that is not a repeat."""
    return as_repeat_of(record.attrs.get(figures.REPEAT_OF))


def repeat_line(original: int) -> str:
    """What a repeat says of itself: ``seed repeat of #4``."""
    return f"seed repeat of #{original}"


@dataclass(frozen=True)
class SeedSpread:
    """The int8 accuracy of one trial over several seeds: the trial itself and its complete repeats."""

    trials: tuple[int, ...]
    """Trial numbers: the repeated trial first, then its repeats in trial order."""
    accuracies: tuple[float, ...]
    """Their accuracies, in the same order."""

    @property
    def runs(self) -> int:
        return len(self.accuracies)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.accuracies)

    @property
    def std(self) -> float:
        """The sample standard deviation (n − 1): an estimate of how much another seed would move it."""
        return statistics.stdev(self.accuracies)

    @property
    def low(self) -> float:
        return min(self.accuracies)

    @property
    def high(self) -> float:
        return max(self.accuracies)

    @property
    def line(self) -> str:
        """``accuracy over 3 seeds: 0.9410 ± 0.0042 (0.9350–0.9460; trials 4, 21, 22)``."""
        numbers = ", ".join(map(str, self.trials))
        return (f"accuracy over {self.runs} seeds: {self.mean:.4f} ± {self.std:.4f} "
                f"({self.low:.4f}–{self.high:.4f}; trials {numbers})")

    def attrs(self) -> dict[str, Any]:
        """The summary as user attributes of the repeated trial (optuna-dashboard shows them)."""
        return {figures.ACCURACY_MEAN: self.mean, figures.ACCURACY_STD: self.std, figures.ACCURACY_MIN: self.low,
                figures.ACCURACY_MAX: self.high, figures.ACCURACY_RUNS: self.runs,
                figures.ACCURACY_TRIALS: list(self.trials)}

    def figure(self) -> dict[str, Any]:
        """The summary as exports record it (params.json)."""
        return {"runs": self.runs, "mean": self.mean, "std": self.std, "min": self.low, "max": self.high,
                "trials": list(self.trials)}


def spread(original: TrialRecord, repeats: Iterable[TrialRecord]) -> SeedSpread | None:
    """The accuracy of ``original`` over its seeds; None unless it and at least one repeat are complete."""
    if original.accuracy is None or repeat_of(original) is not None:
        return None
    done = sorted((r.number, r.accuracy) for r in repeats
                  if r.accuracy is not None and r.state == figures.COMPLETE and repeat_of(r) == original.number)
    if not done:
        return None
    return SeedSpread((original.number, *(n for n, _ in done)), (original.accuracy, *(a for _, a in done)))


class RepeatIndex:
    """Which trials repeat which, kept current as records arrive (the trial book holds one)."""

    def __init__(self) -> None:
        self._repeats: dict[int, set[int]] = {}  # original -> its repeats
        self._original: dict[int, int] = {}  # repeat -> its original

    def put(self, record: TrialRecord) -> bool:
        """Take ``record`` (new or changed); True if it is a repeat."""
        number, original = record.number, repeat_of(record)
        before = self._original.get(number)
        if before != original:
            if before is not None:
                self._repeats[before].discard(number)
            if original is not None:
                self._repeats.setdefault(original, set()).add(number)
                self._original[number] = original
            else:
                del self._original[number]
        return original is not None

    def repeats(self, number: int) -> tuple[int, ...]:
        """The repeats of trial ``number`` (any state), in trial order."""
        return tuple(sorted(self._repeats.get(number, ())))

    def repeated(self) -> tuple[int, ...]:
        """The trials that have repeats (any state), in trial order."""
        return tuple(sorted(n for n, repeats in self._repeats.items() if repeats))

    def original(self, number: int) -> int | None:
        """The trial that trial ``number`` repeats; None if it is no repeat."""
        return self._original.get(number)


@dataclass(frozen=True)
class ConfirmPlan:
    """Which trials of the front to confirm, and how many more repeats each needs now."""

    asked: int
    """``--confirm K``: how many of the front's best trials to confirm."""
    repeats: int
    """``--confirm-repeats R``: the repeats each should have."""
    chosen: tuple[int, ...]
    """The trials confirmed, best first: the front's complete trials within budgets, by score."""
    more: dict[int, int]
    """Per chosen trial, the repeats still to enqueue (0: it has its repeats, done, running or queued)."""

    @property
    def to_enqueue(self) -> int:
        return sum(self.more.values())

    def line(self, to_run: int) -> str:
        """What the run prints before the repeats, ``to_run`` being how many repeats it runs now:
        ``Confirming the top 3 trials of the front with 2 more seeds each (6 trials)``."""
        if not self.chosen:
            return "Nothing to confirm: the front holds no complete trial within the budgets"
        top = f"the top {_count(len(self.chosen), 'trial')} of the front"
        if len(self.chosen) < self.asked:
            top += " (all it holds within the budgets)"
        if to_run == 0:
            return f"Nothing to confirm: {top} {'has' if len(self.chosen) == 1 else 'have'} " \
                   f"{_count(self.repeats, 'seed repeat')}{' each' if len(self.chosen) > 1 else ''} already"
        each = " each" if len(self.chosen) > 1 else ""
        had = [n for n in self.chosen if self.more[n] == 0]
        note = f"; {_numbers(had)} {'has its' if len(had) == 1 else 'have their'} repeats already" if had else ""
        return f"Confirming {top} with {self.repeats} more seed{'s' if self.repeats != 1 else ''}{each} " \
               f"({_count(to_run, 'trial')}{note})"


def plan_confirm(records: Mapping[int, TrialRecord], ranking: Ranking, index: RepeatIndex, top: int,
                 repeats: int) -> ConfirmPlan:
    """The top ``top`` trials of the Pareto front (complete, within budgets, best score first), each with
    how many more of ``repeats`` seed repeats it needs: a repeat done, running or queued counts (`COUNTED`),
    so a resumed run does not repeat a trial again."""
    order = ranking.order or tuple(sorted(ranking.ranks, key=ranking.ranks.__getitem__))
    chosen = tuple(n for n in order if n in ranking.front and n in ranking.feasible)[:max(0, top)]
    more = {}
    for n in chosen:
        have = sum(1 for m in index.repeats(n) if (r := records.get(m)) is not None and r.state in COUNTED)
        more[n] = max(0, repeats - have)
    return ConfirmPlan(top, repeats, chosen, more)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _numbers(numbers: list[int]) -> str:
    return ("trial " if len(numbers) == 1 else "trials ") + ", ".join(map(str, numbers))
