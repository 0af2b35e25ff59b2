"""The real engine and the study switcher's storage side: listing studies, opening another, the weights
and budgets stored with a study, and budgets applied to a study reaching its running study process."""

from __future__ import annotations

import os

import optuna
import pytest
from cli_processes import TESTS_DIR
from hostile_text import space_toml

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.events import TrialFinished, TrialPruned, TrialStarted
from tinynas_tui.core.scoring import Weights
from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.run.setup import open_run

optuna.logging.set_verbosity(optuna.logging.ERROR)


def db_url(tmp_path):
    return f"sqlite:///{tmp_path}/runs/tinynas.db"


@pytest.fixture
def engine(tmp_path):
    engine = OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="a")))
    yield engine
    engine.close()


def add_trials(tmp_path, name, values):
    study = optuna.load_study(study_name=name, storage=db_url(tmp_path))
    for v in values:
        study.tell(study.ask(), v)
    study.ask()  # one left running


def test_list_studies_gives_counts_best_accuracy_and_score(tmp_path, engine):
    engine.open()
    OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="b"))).open()
    add_trials(tmp_path, "a", [(0.9, 100.0, 2.0), (0.8, 10.0, 1.0)])
    summaries = engine.list_studies(Weights(100, 0.01, 0.1))
    assert [s.name for s in summaries] == ["a", "b"]
    a, b = summaries
    assert (a.complete, a.total, a.running) == (2, 3, 1)
    assert a.best_accuracy == pytest.approx(0.9)
    assert a.best_score == pytest.approx(max(90 - 1 - 0.2, 80 - 0.1 - 0.1))
    assert (a.space, a.dataset) == ("single-conv", "mnist-5k")
    assert (b.complete, b.total, b.best_accuracy, b.best_score) == (0, 0, None, None)
    # Other weights, another best trial: the score is computed for the weights asked.
    assert engine.list_studies(Weights(0, 1, 0))[0].best_score == pytest.approx(-10.0)


def test_open_study_switches_to_the_existing_study_with_its_definition(tmp_path, engine):
    engine.open()
    other = OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="b", epochs=3)))
    other.open()
    add_trials(tmp_path, "b", [(0.7, 5.0, 1.0)])
    info, records = engine.open_study("b")
    assert info.study_name == "b" and info.pipeline.epochs == 3
    assert [r.state for r in records] == ["complete", "running"]
    back, _ = engine.open_study("a")
    assert back.study_name == "a" and back.pipeline.epochs == 1


def test_ranking_stored_with_the_study_comes_back_on_open(tmp_path, engine):
    info, _ = engine.open()
    assert info.saved_weights is None and info.saved_budgets is None
    engine.save_ranking(Weights(50, 0.5, 2), Budgets(max_flash_kb=64))
    again = OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="a")))
    try:
        info, _ = again.open()
    finally:
        again.close()
    assert info.saved_weights == Weights(50, 0.5, 2)
    assert info.saved_budgets == Budgets(max_flash_kb=64)
    assert info.study_budgets == Budgets()  # ranking budgets are not the study's


def test_applied_budgets_skip_new_trials_of_the_running_study_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYNAS_TRIAL_ENTRY", "fake_budget_trials")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH")))))
    (tmp_path / "space.toml").write_text(space_toml(sleep="1", x="50"), encoding="utf-8")
    # Started with a budget on the command line: applying others must not make the study refuse its process.
    validated = validate(RunOptions(space="space.toml", study="s", max_flash_kb=500))
    engine = OptunaEngine(validated)
    info, _ = engine.open()
    assert info.study_budgets == Budgets(max_flash_kb=500)
    events, applied = [], []

    def on_event(event):
        events.append(event)
        if isinstance(event, TrialStarted) and event.number == 0:
            applied.append(engine.apply_budgets(Budgets(max_flash_kb=10)))
            assert engine.extend(1)

    try:
        engine.run(1, on_event)
    finally:
        engine.close()
    assert applied[0].study_budgets == Budgets(max_flash_kb=10)
    assert [e.number for e in events if isinstance(e, TrialFinished)] == [0]  # started before: kept
    pruned = [e for e in events if isinstance(e, TrialPruned)]
    assert [(e.number, e.stage) for e in pruned] == [(1, "preflight")]
    assert "the budget is 10 KiB" in pruned[0].reason
    url = f"sqlite:///{tmp_path}/tinynas-runs/tinynas.db"
    study = optuna.load_study(study_name="s", storage=url)
    assert [t.state.name for t in study.trials] == ["COMPLETE", "PRUNED"]
    assert study.trials[0].system_attrs["constraints"] == [50.0 - 500]  # under the budgets it started with
    assert study.user_attrs["budgets"] == {"max_flash_kb": 10.0}
    # A worker or headless run joining later uses the study's applied budgets.
    joined = open_run(validate(RunOptions(storage=url, study="s")), join_existing=True)
    assert joined.budgets == Budgets(max_flash_kb=10)


@pytest.mark.parametrize("given, trains_on", [({"gpus": (0, 1)}, "GPUs 0,1"), ({"cpu": True}, "CPU"), ({}, None)])
def test_the_engine_says_where_trials_train_as_the_options_do(tmp_path, given, trains_on):
    engine = OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="a", **given)))
    try:
        info, _ = engine.open()
        assert info.trains_on == trains_on  # None: the first trial this run finishes says it
    finally:
        engine.close()
