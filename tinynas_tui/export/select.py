"""Which trials an export takes: trial numbers as given, the Pareto front, or the best by rank."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.errors import UsageError


def _trial_span(numbers: Sequence[int]) -> str:
    if not numbers:
        return "it has no trials"
    if len(numbers) == 1:
        return f"it has trial {numbers[0]}"
    return f"it has trials {min(numbers)}-{max(numbers)}"


def check_numbers(study: Any, numbers: Iterable[int], trials: Sequence[Any] | None = None) -> list[int]:
    """``numbers`` without repeats (first occurrence kept); an unknown number raises `UsageError`."""
    trials = study.get_trials(deepcopy=False) if trials is None else trials
    known = sorted(t.number for t in trials)
    have = set(known)
    out: list[int] = []
    for n in numbers:
        if n not in have:
            raise UsageError(f"unknown trial {n} in study {study.study_name!r} ({_trial_span(known)})")
        if n not in out:
            out.append(n)
    return out


def study_budgets(attrs: dict[str, Any]) -> Budgets:
    """The budgets stored with a study (none if it has none, or they cannot be read)."""
    try:
        return Budgets.from_dict(attrs.get("budgets") or {})
    except (TypeError, UsageError):
        return Budgets()


def study_book(trials: Sequence[Any]) -> TrialBook:
    """A trial book of Optuna trials, as the trial table holds them."""
    return TrialBook.of_frozen(trials)


def select_trials(
    study: Any,
    *,
    numbers: Sequence[int] = (),
    pareto: bool = False,
    best: int | None = None,
    weights: Weights | None = None,
    budgets: Budgets | None = None,
) -> list[int]:
    """The trial numbers to export, by exactly one of: explicit ``numbers``, the Pareto front, the best.

    Args:
        numbers: Trial numbers, in the order wanted (repeats dropped); any state (a trial that cannot be
            exported is skipped later, and said so).
        pareto: Every complete trial on the Pareto front (accuracy up, size and latency down), in order.
        best: The ``best`` complete trials by rank: weighted score, with trials over one of the study's
            budgets after all that fit (the trial table's rank column).
        weights: Score weights for ``best`` (default `Weights()`).
        budgets: Budgets for ``best`` (default: those stored with the study).

    Raises:
        UsageError: Not exactly one mode; an unknown trial number; ``best`` below 1; no complete trial
            for ``pareto`` or ``best``.
    """
    modes = sum([bool(numbers), bool(pareto), best is not None])
    if modes != 1:
        raise UsageError("choose the trials with exactly one of --trial N (repeatable), --pareto, --best K")
    trials = study.get_trials(deepcopy=False)
    if numbers:
        return check_numbers(study, numbers, trials)
    if best is not None and best < 1:
        raise UsageError(f"--best needs a positive number of trials, got {best}")
    book = study_book(trials)
    if not book.complete():
        raise UsageError(f"study {study.study_name!r} has no complete trial to export ({len(trials)} trials)")
    ranking = book.rank(weights or Weights(), budgets if budgets is not None else study_budgets(study.user_attrs))
    if pareto:
        return sorted(ranking.front)
    return sorted(ranking.ranks, key=ranking.ranks.__getitem__)[:best]
