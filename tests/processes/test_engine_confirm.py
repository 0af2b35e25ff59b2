"""The UI's confirm (``k``, ``--confirm``) through the real engine, study process and trial worker, with
`fake_trials` (no TensorFlow): the front is ranked by the weights the UI sends, the repeats are queued and
run in the study process, and the spread is written on each original."""

from __future__ import annotations

import os

import optuna
from cli_processes import TESTS_DIR
from space_files import space_text

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.events import ConfirmPlanned, TrialFinished, TrialStarted
from tinynas_tui.core.figures import ACCURACY_RUNS, REPEAT_OF
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.options import RunOptions, validate

ONE = 'type = "categorical"\nchoices = [{}]'
# Five models; accuracy, size and latency all grow with x, so each is on the front.
SPACE = space_text(dropout=ONE.format(0.1), lr=ONE.format(0.001), x=ONE.format("1, 2, 3, 4, 5"),
                   seed_noise=ONE.format(0.01))


def test_confirm_runs_the_repeats_of_the_front_ranked_by_the_weights_it_is_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYNAS_TRIAL_ENTRY", "fake_trials")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH")))))
    (tmp_path / "space.toml").write_text(SPACE, encoding="utf-8")
    engine = OptunaEngine(validate(RunOptions(space="space.toml", study="s", sampler="grid")))
    engine.open()
    # Size weighs most: the smallest models rank first, where the default weights rank the most accurate.
    weights = Weights(accuracy=1.0, size_kb=10.0, latency_ms=0.0)
    events: list[object] = []
    try:
        engine.run(5, events.append)
        stored = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/tinynas-runs/tinynas.db")
        ranking = TrialBook.of_frozen(stored.trials).rank(weights)
        top = [n for n in ranking.order if n in ranking.front][:2]
        default = TrialBook.of_frozen(stored.trials).rank(Weights())
        assert top != [n for n in default.order if n in default.front][:2]
        events.clear()
        engine.confirm(2, 1, weights, Budgets(), events.append)
    finally:
        engine.close()
    planned = [e for e in events if isinstance(e, ConfirmPlanned)]
    assert planned == [ConfirmPlanned("Confirming the top 2 trials of the front with 1 more seed each (2 trials)", 2)]
    assert events[0] == planned[0]  # said before the repeats start
    started = [e for e in events if isinstance(e, TrialStarted)]
    assert [e.repeat_of for e in started] == top
    assert [e.number for e in events if isinstance(e, TrialFinished)] == [5, 6]
    trials = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/tinynas-runs/tinynas.db").trials
    assert [trials[n].user_attrs[REPEAT_OF] for n in (5, 6)] == top
    assert all(trials[n].params == trials[original].params for n, original in zip((5, 6), top))
    assert [trials[n].user_attrs[ACCURACY_RUNS] for n in top] == [2, 2]  # written on each original
