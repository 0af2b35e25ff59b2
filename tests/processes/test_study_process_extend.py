"""Trials added to a run in progress (F7 in the UI) reach it: the real engine, study process and trial
worker, with `fake_trials` (no TensorFlow)."""

from __future__ import annotations

import os

import optuna
from cli_processes import TESTS_DIR
from hostile_text import space_toml

from tinynas_tui.core.events import TrialFinished, TrialStarted
from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.options import RunOptions, validate


def test_trials_added_while_a_run_is_in_progress_are_run_by_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYNAS_TRIAL_ENTRY", "fake_trials")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH")))))
    (tmp_path / "space.toml").write_text(space_toml(sleep="1"), encoding="utf-8")
    engine = OptunaEngine(validate(RunOptions(space="space.toml", study="s")))
    engine.open()
    events, added = [], []

    def on_event(event):
        events.append(event)
        if isinstance(event, TrialStarted) and event.number == 0:
            added.append(engine.extend(2))

    try:
        assert engine.extend(2) is False  # no run in progress: nothing to add to
        engine.run(1, on_event)
        assert added == [True]
        assert [e.number for e in events if isinstance(e, TrialFinished)] == [0, 1, 2]
        assert engine.extend(2) is False  # the run is over
    finally:
        engine.close()
    trials = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/tinynas-runs/tinynas.db").trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3
