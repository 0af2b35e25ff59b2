"""The study runner with the process executor and a TF-free trial module."""

from __future__ import annotations

from dataclasses import replace

import optuna
import pytest

from tinynas_tui.executor.protocol import WorkerConfig
from tinynas_tui.executor.trial_executor import ProcessTrialExecutor
from tinynas_tui.search import study as studies
from tinynas_tui.core.events import TrialFailed, TrialFinished, TrialStarted
from tinynas_tui.search.loop import TrialLoop
from tinynas_tui.core.space import Categorical, SearchSpace
from tinynas_tui.search.storage import open_artifact_store, open_storage, resolve_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)

SPACE = SearchSpace("fake", "single-conv", (Categorical("x", (1, 2, 3, 4)), Categorical("fail", (False,))))


@pytest.fixture
def setup(tmp_path):
    target = resolve_storage(None, tmp_path / "runs")
    storage = open_storage(target)
    definition = studies.StudyDefinition(SPACE, {"name": "fake"}, {"name": "fake"})
    study = studies.create(storage, "s", definition, seed=0)
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=str(tmp_path / "w.log"))
    return target, storage, study, config


def test_completed_trials_record_metrics_and_artifacts(setup):
    target, storage, study, config = setup
    events, recorded = [], []
    with ProcessTrialExecutor(config) as ex:
        runner = TrialLoop(study, SPACE, ex, open_artifact_store(target), events.append, recorded.append)
        runner.run(3)
    trials = study.get_trials()
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3
    assert [t.number for t in recorded] == [0, 1, 2]
    for t in trials:
        x = t.params["x"]
        assert t.values == [pytest.approx(x / 10), pytest.approx(x), pytest.approx(x / 2)]
        artifact_id = t.user_attrs["artifacts"]["model.tflite"]
        assert (target.runs_dir / "artifacts" / artifact_id).read_bytes() == b"TFL3" * 8
        assert t.user_attrs["worker_rss_mb"] == 100
    assert [type(e) for e in events if isinstance(e, (TrialStarted, TrialFinished))] == [TrialStarted, TrialFinished] * 3
    assert study.metric_names == ["accuracy", "size_kb", "latency_ms"]


def test_failures_are_recorded_and_the_study_goes_on(setup):
    target, storage, study, config = setup
    with ProcessTrialExecutor(replace(config, pipeline={"faults": {1: "crash"}})) as ex:
        study.enqueue_trial({"x": 2, "fail": False})
        study.enqueue_trial({"x": 2, "fail": False})
        study.enqueue_trial({"x": 3, "fail": False})
        events = []
        TrialLoop(study, SPACE, ex, open_artifact_store(target), events.append).run(3)
    states = [t.state.name for t in study.get_trials()]
    assert states == ["COMPLETE", "FAIL", "COMPLETE"]
    failed = study.trials[1]
    assert failed.user_attrs["fail_stage"] == "worker"
    assert "SIGSEGV" in failed.user_attrs["fail_reason"]
    assert any(isinstance(e, TrialFailed) and e.number == 1 for e in events)


def test_stop_request_ends_after_the_current_trial(setup):
    target, storage, study, config = setup
    with ProcessTrialExecutor(config) as ex:
        runner = TrialLoop(study, SPACE, ex, open_artifact_store(target))
        runner.on_recorded = lambda trial: runner.stop_requested.set()
        runner.run(10)
    assert len(study.trials) == 1


def test_resumed_study_keeps_numbering_and_definition(setup):
    target, storage, study, config = setup
    with ProcessTrialExecutor(config) as ex:
        TrialLoop(study, SPACE, ex, open_artifact_store(target)).run(2)
        again = studies.load_existing(storage, "s")
        assert studies.stored_definition(again)["space"] == SPACE.to_dict()
        TrialLoop(again, SPACE, ex, open_artifact_store(target)).run(2)
    assert [t.number for t in again.get_trials()] == [0, 1, 2, 3]
    assert studies.load_existing(storage, "missing") is None


def test_executor_failure_is_recorded_on_the_trial(setup):
    target, storage, study, config = setup
    from dataclasses import replace

    from tinynas_tui.executor.trial_executor import WorkerStartError

    broken = replace(config, pipeline={"broken": True})
    with ProcessTrialExecutor(broken) as ex:
        with pytest.raises(WorkerStartError):
            TrialLoop(study, SPACE, ex, open_artifact_store(target)).run(3)
    (trial,) = study.trials
    assert trial.state.name == "FAIL"
    assert trial.user_attrs["fail_stage"] == "executor"
    assert "cannot load the data" in trial.user_attrs["fail_reason"]


def test_a_worker_killed_while_loading_fails_one_trial_and_ends_the_run(setup):
    target, storage, study, config = setup
    from dataclasses import replace

    from tinynas_tui.executor.trial_executor import WorkerStartError

    with ProcessTrialExecutor(replace(config, pipeline={"oom_at_load": True}), memory_limit_mb=400) as ex:
        with pytest.raises(WorkerStartError, match="while loading the dataset"):
            TrialLoop(study, SPACE, ex, open_artifact_store(target)).run(3)
        assert ex.workers_started == 1  # not a fresh load for each of the 3 trials
    (trial,) = study.trials
    assert trial.state.name == "FAIL" and trial.user_attrs["fail_stage"] == "executor"
    assert "over the --trial-memory-mb limit of 400 MB" in trial.user_attrs["fail_reason"]


def test_several_executors_run_trials_at_the_same_time(tmp_path):
    space = SearchSpace("fake", "single-conv", (Categorical("x", (1, 2, 3, 4)), Categorical("sleep", (0.5,))))
    target = resolve_storage(None, tmp_path / "runs")
    study = studies.create(open_storage(target), "jobs", studies.StudyDefinition(space, {"name": "fake"},
                                                                                 {"name": "fake"}), seed=0)
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=str(tmp_path / "w.log"))
    recorded = []
    with ProcessTrialExecutor(config) as one, ProcessTrialExecutor(config) as two:
        TrialLoop(study, space, [one, two], open_artifact_store(target), on_recorded=recorded.append).run(5)
        assert one.workers_started == 1 and two.workers_started == 1
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == [0, 1, 2, 3, 4]  # exactly the count asked for
    assert [t.state.name for t in trials] == ["COMPLETE"] * 5
    assert sorted(t.number for t in recorded) == [0, 1, 2, 3, 4]
    pids = {t.user_attrs["worker_pid"] for t in trials}
    assert len(pids) == 2  # both workers ran trials
    spans = sorted((t.datetime_start, t.datetime_complete) for t in trials)
    assert any(later_start < earlier_end for (_, earlier_end), (later_start, _) in zip(spans, spans[1:]))


def test_extend_adds_trials_to_the_run_in_progress(setup):
    target, storage, study, config = setup
    with ProcessTrialExecutor(config) as ex:
        runner = TrialLoop(study, SPACE, ex, open_artifact_store(target))
        taken = []
        runner.on_recorded = lambda trial: taken.append(runner.extend(2)) if trial.number == 0 else None
        runner.run(1)
        assert taken == [True] and runner.extended == 2
        assert runner.extend(1) is False  # the run has ended: the caller starts another
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE"] * 3


def test_extend_with_parallel_jobs_and_after_a_stop(setup):
    target, storage, study, config = setup
    with ProcessTrialExecutor(config) as a, ProcessTrialExecutor(config) as b:
        runner = TrialLoop(study, SPACE, [a, b], open_artifact_store(target))
        taken = []
        # The first trial recorded extends the run while its job still holds it; the run takes both.
        runner.on_recorded = lambda trial: taken.append(runner.extend(2)) if not taken else None
        runner.run(2)
        assert taken == [True]
        assert len(study.get_trials()) == 4
        runner.stop_requested.set()
        runner.on_recorded = lambda trial: None
        assert runner.extend(2) is False
