"""Seed repeats in an Optuna study: enqueued trials with another trial's parameters, and their summary.

A repeat is an enqueued trial (`study.enqueue_trial`) with the parameters of the trial it repeats and
the user attribute `figures.REPEAT_OF`; the trial loop runs it like any other, and its new number gives
it a new training seed. Which trials to repeat, and what their repeats say, is `core.seed_repeats`.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from tinynas_tui.core import figures
from tinynas_tui.core.seed_repeats import ConfirmPlan, SeedSpread
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord


def enqueue_repeats(study: Any, plan: ConfirmPlan, records: Mapping[int, TrialRecord]) -> int:
    """Queue the repeats ``plan`` asks for, each with its trial's parameters; return how many."""
    queued = 0
    for number in plan.chosen:
        for _ in range(plan.more[number]):
            # No skip_if_exists: the point is to run these parameters again.
            study.enqueue_trial(dict(records[number].params), user_attrs={figures.REPEAT_OF: number})
            queued += 1
    return queued


def record_spreads(study: Any, numbers: Iterable[int]) -> dict[int, SeedSpread]:
    """Write on each of trials ``numbers`` its accuracy over its seeds (`SeedSpread.attrs`: mean, standard
    deviation, min, max, runs), so optuna-dashboard shows them; return the spreads by trial number.

    The trials have finished, which Optuna's own calls refuse to write to: a storage without
    `set_finished_trial_user_attrs` (not one of this tool's) gets nothing written.
    """
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    book = TrialBook.of_frozen(trials.values())
    storage = study._storage
    write = getattr(getattr(storage, "_backend", storage), "set_finished_trial_user_attrs", None)
    spreads = {}
    for number in numbers:
        found = book.seed_spread(number)
        if found is None:
            continue
        spreads[number] = found
        if write is not None:
            write(trials[number]._trial_id, found.attrs())
    return spreads
