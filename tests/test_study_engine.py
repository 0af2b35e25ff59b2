"""The real engine's storage side: incremental polls see other processes' trials, new studies."""

from __future__ import annotations

import optuna
import pytest

from tinynas_tui.pipeline.config import PipelineConfig
from tinynas_tui.run_setup import RunOptions, validate
from tinynas_tui.search.space import SINGLE_CONV
from tinynas_tui.study_engine import StudyEngine

optuna.logging.set_verbosity(optuna.logging.ERROR)


@pytest.fixture
def engine(tmp_path):
    engine = StudyEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="s")))
    yield engine
    engine.close()


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
    assert info.study_name == "s-narrow" and records == [] and info.pipeline.epochs == 2
    names = set(optuna.get_all_study_names(f"sqlite:///{tmp_path}/runs/tinynas.db"))
    assert names == {"s", "s-narrow"}
    again, _ = engine.new_study(narrow, PipelineConfig(epochs=2))
    assert again.study_name == "s-narrow-narrow"  # never overwrites an existing study
