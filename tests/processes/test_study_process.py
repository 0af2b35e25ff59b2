"""The UI engine runs its trials in a study process: events come back, pause and abort reach it, and
its death is an error the next run recovers from. Real trials on tiny data."""

from __future__ import annotations

import os
import signal
import threading

import optuna
import psutil
import pytest

from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.core.events import TrialFailed, TrialFinished, TrialStarted
from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.study_process import StudyProcessError

pytestmark = pytest.mark.tf
optuna.logging.set_verbosity(optuna.logging.ERROR)


@pytest.fixture
def engine(tmp_path):
    engine = OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="s", train_samples=300,
                                             test_samples=100)))
    engine.open()
    yield engine
    engine.close()


def stored(tmp_path):
    return optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/runs/tinynas.db").trials


def own_threads_in_python() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_trials_run_in_another_process_and_their_events_come_back(tmp_path, engine):
    events = []
    threads_before = own_threads_in_python()
    engine.run(2, events.append)
    started = [e.number for e in events if isinstance(e, TrialStarted)]
    finished = [e.number for e in events if isinstance(e, TrialFinished)]
    assert started == finished == [0, 1]
    trials = stored(tmp_path)
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    host, _, pid = trials[0].user_attrs["worker_host"].rpartition(":")
    study_process = engine._process.process
    assert int(pid) == study_process.pid != os.getpid()  # asked and told over there, not here
    assert trials[0].values[0] == next(e for e in events if isinstance(e, TrialFinished)).accuracy
    # The trial worker is the study process's child, and no runner or heartbeat thread lives here.
    assert psutil.Process(study_process.pid).children()
    assert not {n for n in own_threads_in_python() - threads_before if n.startswith(("heartbeat", "trial-job"))}
    engine.run(1, events.append)  # the same warm process takes the next run
    assert engine._process.process.pid == study_process.pid
    assert [t.state.name for t in stored(tmp_path)] == ["COMPLETE"] * 3


def test_pause_lets_the_running_trial_finish_and_starts_no_other(tmp_path, engine):
    def pause_on_start(event):
        if isinstance(event, TrialStarted):
            engine.request_pause()

    engine.run(3, pause_on_start)
    assert [t.state.name for t in stored(tmp_path)] == ["COMPLETE"]


def test_abort_fails_the_running_trial_as_stopped(tmp_path, engine):
    events = []

    def abort_on_start(event):
        events.append(event)
        if isinstance(event, TrialStarted):
            engine.abort()

    engine.run(3, abort_on_start)
    (trial,) = stored(tmp_path)
    assert trial.state.name == "FAIL" and "stopped by the user" in trial.user_attrs["fail_reason"]
    assert any(isinstance(e, TrialFailed) for e in events)


def test_a_killed_study_process_is_an_error_and_the_next_run_starts_a_new_one(tmp_path, engine):
    killed, seen = [], []

    def kill_on_start(event):
        seen.append(event)
        if isinstance(event, TrialStarted) and not killed:
            process = engine._process.process
            killed.append(process.pid)
            workers = psutil.Process(process.pid).children(recursive=True)
            killed.extend(w.pid for w in workers)
            os.kill(process.pid, signal.SIGKILL)

    with pytest.raises(StudyProcessError, match="study process ended unexpectedly"):
        engine.run(2, kill_on_start)
    # Its running trial is failed at once, here (its owner on this machine is dead), and the UI is told:
    # the row does not stay running until some later run notices.
    failed = [e for e in seen if isinstance(e, TrialFailed)]
    assert [e.number for e in failed] == [0] and "queued again once" in failed[0].reason
    assert [t.state.name for t in stored(tmp_path)] == ["FAIL", "WAITING"]  # the retry, queued
    psutil.wait_procs([psutil.Process(pid) for pid in killed[1:] if psutil.pid_exists(pid)], timeout=15)
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in killed[1:])  # its trial worker followed it
    events = []
    engine.run(1, events.append)
    assert engine._process.process.pid != killed[0]
    assert [type(e).__name__ for e in events if not hasattr(e, "stage")][:1] == ["TrialStarted"]
    trials = stored(tmp_path)
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"] and trials[1].params == trials[0].params


def test_a_study_that_cannot_be_opened_there_is_an_error_with_the_reason(tmp_path, engine):
    optuna.delete_study(study_name="s", storage=f"sqlite:///{tmp_path}/runs/tinynas.db")
    with pytest.raises(StudyProcessError, match="s"):
        engine.run(1, lambda event: None)
