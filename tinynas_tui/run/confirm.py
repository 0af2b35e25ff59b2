"""``--confirm K``: after a run's trials, the front's top K trials run again with other seeds.

Each of them gets ``--confirm-repeats R`` seed repeats (`tinynas_tui.core.seed_repeats`), queued in the
study and run by the same trial loop; then the accuracy over its seeds is written on it. Headless runs and
``tinynas-tui worker`` confirm after their trials; the UI's study process confirms when the UI asks
(its confirm key, or ``--confirm`` once the UI's run reaches its target), ranking by the UI's weights.
"""

from __future__ import annotations

from typing import Any, Callable

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.seed_repeats import SeedSpread
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.search.seed_repeats import enqueue_repeats, record_spreads
from tinynas_tui.search.study import grid_remaining, queued_repeats, stored_sampler


def confirm_front(run: Any, loop: Any, top: int, repeats: int, say: Callable[[str, int], None],
                  weights: Weights | None = None, budgets: Budgets | None = None) -> dict[int, SeedSpread]:
    """Queue and run the seed repeats of the front's ``top`` best trials (``repeats`` each, counting those
    they have), say what it does in one line first; return the confirmed trials' spreads.

    Args:
        run: The open run (`tinynas_tui.run.setup.OpenRun`): its study, and by default its weights and
            budgets, rank the front.
        loop: Its trial loop (`tinynas_tui.search.loop.TrialLoop`).
        top: ``--confirm K`` (0: nothing is done).
        repeats: ``--confirm-repeats R``.
        say: Gets the line (`ConfirmPlan.line`) and how many repeats run now (0: none).
        weights: Rank by these instead of the run's (the UI's, as its table shows them).
        budgets: Rank by these instead of the study's.
    """
    if top <= 0:
        return {}
    study = run.study
    ahead = grid_remaining(study)
    if ahead:
        # Optuna runs its queue in order: the repeats would wait behind these (the grid's models not yet run).
        what = "models of the grid" if stored_sampler(study) == "grid" else "queued trials"
        say(f"Not confirming yet: {ahead} {what} still wait to run, and the queue runs them first; "
            "--confirm runs the repeats once none is left", 0)
        return {}
    book = TrialBook.of_frozen(study.get_trials(deepcopy=False))
    weights = weights if weights is not None else run.validated.weights
    plan = book.confirm_plan(book.rank(weights, budgets if budgets is not None else run.budgets), top, repeats)
    enqueue_repeats(study, plan, book.records)
    to_run = queued_repeats(study)  # with any a stopped run left queued
    say(plan.line(to_run), to_run)
    if to_run:
        loop.run(to_run)
    if loop.stop_requested.is_set():
        return {}
    return record_spreads(study, plan.chosen)
