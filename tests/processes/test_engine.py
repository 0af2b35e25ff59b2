"""The real engine's storage side: incremental polls see other processes' trials, new studies."""

from __future__ import annotations

from dataclasses import replace

import optuna
import pytest

from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.core.space import SINGLE_CONV
from tinynas_tui.run.engine import OptunaEngine

optuna.logging.set_verbosity(optuna.logging.ERROR)


def other_process_study(tmp_path):
    """The same study through a separate storage connection, as another worker machine would have."""
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path}/runs/tinynas.db")
    return optuna.load_study(study_name="s", storage=storage)


def test_polls_read_new_and_unfinished_trials_only(tmp_path, engine):
    info, records = engine.open()
    assert info.study_name == "s" and info.sampler == "TPE" and records == []
    other = other_process_study(tmp_path)
    done = other.ask()
    other.tell(done, (0.9, 20.0, 1.0))
    running = other.ask()
    first = engine.poll()
    assert [(r.number, r.state) for r in first] == [(0, "complete"), (1, "running")]
    assert first[0].values == (0.9, 20.0, 1.0)
    assert [(r.number, r.state) for r in engine.poll()] == [(1, "running")]  # only the unfinished one again
    other.tell(running, state=optuna.trial.TrialState.FAIL)
    assert [(r.number, r.state) for r in engine.poll()] == [(1, "failed")]
    assert engine.poll() == []  # nothing new, nothing unfinished: nothing read


def test_new_study_keeps_the_old_one_and_its_dataset(tmp_path, engine):
    engine.open()
    other = other_process_study(tmp_path)
    other.tell(other.ask(), (0.9, 20.0, 1.0))
    from dataclasses import replace

    narrow = replace(SINGLE_CONV, name="narrow")
    info, records = engine.new_study(narrow, PipelineConfig(epochs=2))
    assert info.study_name == "s-narrow-epochs=2" and records == [] and info.pipeline.epochs == 2
    names = set(optuna.get_all_study_names(f"sqlite:///{tmp_path}/runs/tinynas.db"))
    assert names == {"s", "s-narrow-epochs=2"}
    engine.open_study("s")
    again, _ = engine.new_study(narrow, PipelineConfig(epochs=2))
    assert again.study_name == "s-narrow-epochs=2-2"  # never overwrites an existing study


def varied_study(tmp_path):
    """A small study with every trial state, nested attributes, an infinite value and several distributions."""
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path}/varied.db")
    study = optuna.create_study(study_name="v", storage=storage, directions=["maximize", "minimize", "minimize"])
    TrialState = optuna.trial.TrialState
    for i in range(12):
        trial = study.ask()
        trial.suggest_categorical("filters", [8, 16, 32])
        trial.suggest_float("lr", 1e-4, 1e-2, log=True)
        trial.suggest_int("units", 16, 128, step=16)
        trial.set_user_attr("layers", [{"name": "conv2d", "output_shape": [None, 26, 26, 8], "params": 80}])
        trial.set_user_attr("timings", {"train": 1.5 + i, "convert": 2.0})
        trial.set_user_attr("arena_bytes", 4096 + i)
        trial.set_user_attr("float_accuracy", 0.5 + i / 100)
        trial.set_user_attr("note", "ünïcode \"quoted\"")
        if i % 6 == 1:
            trial.set_user_attr("fail_stage", "train")
            trial.set_user_attr("fail_reason", "loss became NaN")
            study.tell(trial, state=TrialState.FAIL)
        elif i % 6 == 2:
            study.tell(trial, state=TrialState.PRUNED)
        elif i == 3:
            study.tell(trial, (0.9, float("inf"), 1.0))
        elif i in (10, 11):
            pass  # left running
        else:
            study.tell(trial, (0.8 + i / 100, 10.0 * i, 0.5))
    study.enqueue_trial({"filters": 8, "lr": 0.001, "units": 32})  # waiting
    return storage, study


def test_bulk_read_gives_the_records_optuna_gives(tmp_path):
    from tinynas_tui.core.trial_record import TrialRecord
    from tinynas_tui.search.trial_reader import SUMMARY_ATTRS, read_study

    storage, study = varied_study(tmp_path)
    expected = [TrialRecord.from_frozen(t) for t in study.get_trials(deepcopy=False)]
    assert {r.state for r in expected} == {"complete", "failed", "pruned", "running", "waiting"}
    full = read_study(storage, study._study_id)
    assert full.records == expected
    summary = read_study(storage, study._study_id, summary=True)
    assert summary.records == [
        replace(r, params={}, attrs={k: v for k, v in r.attrs.items() if k in SUMMARY_ATTRS}, partial=True)
        for r in expected]
    running = {t._trial_id for t in study.get_trials() if not t.state.is_finished()}
    assert summary.unfinished_ids == running and summary.max_trial_id == max(t._trial_id for t in study.get_trials())


def test_open_reads_in_bulk_then_polls_read_only_new_and_unfinished(tmp_path, engine):
    engine.open()
    other = other_process_study(tmp_path)
    for i in range(5):
        trial = other.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
        trial.set_user_attr("layers", [{"name": "dense"}])
        other.tell(trial, (0.5 + i / 10, 10.0, 1.0))
    running = other.ask()
    reopened = OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="s")))
    try:
        _, records = reopened.open()
        assert [r.number for r in records] == [0, 1, 2, 3, 4, 5] and all(r.partial for r in records)
        assert records[0].params == {} and "layers" not in records[0].attrs and records[0].values == (0.5, 10.0, 1.0)
        full = reopened.read_trial(2)
        assert not full.partial and full.params.keys() == {"x"} and full.attrs["layers"] == [{"name": "dense"}]
        assert [r.number for r in reopened.poll()] == [5] and reopened.last_read == 1  # only the running one
        other.tell(running, (0.9, 5.0, 1.0))
        other.tell(other.ask(), (0.7, 5.0, 1.0))
        assert [(r.number, r.state) for r in reopened.poll()] == [(5, "complete"), (6, "complete")]
        assert reopened.poll() == [] and reopened.last_read == 0
    finally:
        reopened.close()
