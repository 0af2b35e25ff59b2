"""Seed repeats in a study: queued with their trial's parameters, run by the trial loop after a used-up grid
(which still ends the run once nothing waits), and summarised on the trial they repeat."""

from __future__ import annotations

import optuna
import pytest

from tinynas_tui.core.events import TrialFinished, TrialStarted
from tinynas_tui.core.figures import ACCURACY_MEAN, ACCURACY_RUNS, ACCURACY_TRIALS, REPEAT_OF
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.seed_repeats import plan_confirm
from tinynas_tui.core.space import Categorical, SearchSpace
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.search import study as studies
from tinynas_tui.search.loop import TrialLoop
from tinynas_tui.search.seed_repeats import enqueue_repeats, record_spreads
from tinynas_tui.search.storage import open_artifact_store, open_storage, resolve_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)

SPACE = SearchSpace("fake", "single-conv", (Categorical("x", (1, 2, 3, 4)),))


class Instant:
    """An executor that answers at once: accuracy from ``x`` plus a little that moves with the number."""

    def run(self, number, params, on_event):
        x = params["x"]
        return TrialFinished(number, accuracy=x / 10 + (number % 3) / 1000, size_kb=float(x), latency_ms=x / 2)


def test_repeats_run_after_a_used_up_grid_and_the_run_ends_when_none_waits(tmp_path):
    target = resolve_storage(None, tmp_path / "runs")
    study = studies.create(open_storage(target), "g", studies.StudyDefinition(SPACE, {}, {}), seed=0, sampler="grid")
    events = []
    loop = TrialLoop(study, SPACE, Instant(), open_artifact_store(target), events.append)
    loop.run(10)
    assert len(study.trials) == 4 and studies.grid_remaining(study) == 0  # the grid is used up: the run ended

    book = TrialBook.of_frozen(study.trials)
    plan = plan_confirm(book.records, book.rank(Weights()), book.repeats, 2, 2)
    assert enqueue_repeats(study, plan, book.records) == 4
    # Queued repeats are no grid models, yet a grid run goes on while they wait.
    assert (studies.grid_remaining(study), studies.queued_count(study), studies.queued_repeats(study)) == (0, 4, 4)
    loop.run(10)
    trials = study.trials
    assert len(trials) == 8 and studies.queued_count(study) == 0  # the four repeats, then the run ended
    repeats = trials[4:]
    assert sorted(t.user_attrs[REPEAT_OF] for t in repeats) == sorted(plan.chosen * 2)
    assert all(t.params == trials[t.user_attrs[REPEAT_OF]].params for t in repeats)
    started = {e.number: e.repeat_of for e in events if isinstance(e, TrialStarted)}
    assert {n: started[n] for n in range(4, 8)} == {t.number: t.user_attrs[REPEAT_OF] for t in repeats}

    spreads = record_spreads(study, plan.chosen)
    fresh = optuna.load_study(study_name="g", storage=open_storage(target))  # no cached trials
    for number in plan.chosen:
        attrs = fresh.trials[number].user_attrs
        mine = [t.number for t in repeats if t.user_attrs[REPEAT_OF] == number]
        assert attrs[ACCURACY_TRIALS] == [number, *mine] and attrs[ACCURACY_RUNS] == 3
        assert attrs[ACCURACY_MEAN] == pytest.approx(spreads[number].mean)
        assert len({fresh.trials[n].values[0] for n in attrs[ACCURACY_TRIALS]}) > 1
