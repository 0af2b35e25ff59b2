"""The process executor against a fake trial module: warm reuse, recycling, crashes, hangs."""

from __future__ import annotations

import os

import pytest

from tinynas_tui.executor.protocol import WorkerConfig
from tinynas_tui.executor.trial_executor import ProcessTrialExecutor, WorkerStartError
from tinynas_tui.core.events import StageStarted, TrialFailed, TrialFinished, WorkerStopped


def make_executor(tmp_path, faults=None, **kwargs):
    pipeline = {**kwargs.pop("pipeline", {}), **({"faults": faults} if faults else {})}
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=str(tmp_path / "w.log"),
                          pipeline=pipeline)
    return ProcessTrialExecutor(config, **kwargs)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it holds no CPU or memory.
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split(")")[1].split()[0] != "Z"


def test_worker_stays_warm_then_is_recycled(tmp_path):
    events = []
    with make_executor(tmp_path, recycle_every=2) as ex:
        pids = [ex.run(n, {"x": 2}, events.append).metrics["worker_pid"] for n in range(3)]
    assert pids[0] == pids[1] != pids[2]
    assert any(isinstance(e, StageStarted) and e.number == 2 for e in events)
    assert [e.reason for e in events if isinstance(e, WorkerStopped)][:1] == ["recycled"]
    assert not alive(pids[0]) and not alive(pids[2])


def test_worker_recycled_above_memory_limit(tmp_path):
    with make_executor(tmp_path, max_rss_mb=500) as ex:
        first = ex.run(0, {"rss": 900}, lambda e: None).metrics["worker_pid"]
        second = ex.run(1, {"rss": 100}, lambda e: None).metrics["worker_pid"]
        third = ex.run(2, {}, lambda e: None).metrics["worker_pid"]
    assert first != second == third


@pytest.mark.parametrize("fault, stage, words", [
    ("crash", "worker", "SIGSEGV"),
    ("exit", "worker", "exit code 3"),
    ("raise", "trial", "injected fault"),
])
def test_fault_fails_only_that_trial(tmp_path, fault, stage, words):
    with make_executor(tmp_path, faults={1: fault}) as ex:
        before = ex.run(0, {}, lambda e: None)
        failed = ex.run(1, {}, lambda e: None)
        after = ex.run(2, {}, lambda e: None)
    assert isinstance(before, TrialFinished) and isinstance(after, TrialFinished)
    assert isinstance(failed, TrialFailed)
    assert failed.stage == stage and words in failed.reason
    if fault != "raise":
        assert before.metrics["worker_pid"] != after.metrics["worker_pid"]
        assert not alive(before.metrics["worker_pid"])


def test_hanging_trial_times_out_and_worker_is_killed(tmp_path):
    with make_executor(tmp_path, trial_timeout=1.5, faults={0: "hang"}) as ex:
        failed = ex.run(0, {}, lambda e: None)
        after = ex.run(1, {}, lambda e: None)
    assert isinstance(failed, TrialFailed) and failed.stage == "timeout"
    assert "timed out after 1.5 s" in failed.reason
    assert isinstance(after, TrialFinished)
    assert ex.workers_started == 2


def test_trial_errors_are_recorded_with_their_stage(tmp_path):
    with make_executor(tmp_path) as ex:
        nan = ex.run(0, {"fail": True}, lambda e: None)
        boom = ex.run(1, {"boom": True}, lambda e: None)
        ok = ex.run(2, {}, lambda e: None)
    assert (nan.stage, nan.reason) == ("train", "loss became NaN at epoch 1")
    assert boom.stage == "trial" and boom.reason == "ValueError: unexpected"
    assert isinstance(ok, TrialFinished) and ex.workers_started == 1


def test_worker_that_cannot_start_raises(tmp_path):
    with make_executor(tmp_path, pipeline={"broken": True}) as ex:
        with pytest.raises(WorkerStartError, match="cannot load the data"):
            ex.run(0, {}, lambda e: None)


def test_a_worker_over_the_memory_limit_while_loading_is_killed_and_reported_once(tmp_path):
    """The limit holds while the worker loads its data: killed there, it ends the run with one reason that
    names the data, instead of loading again for every trial and failing each at memory."""
    events = []
    with make_executor(tmp_path, memory_limit_mb=400, pipeline={"oom_at_load": True}) as ex:
        with pytest.raises(WorkerStartError) as err:
            ex.run(0, {}, events.append)
        assert ex.worker_pid is None and ex.workers_started == 1
    assert "used" in str(err.value) and "MB while loading the dataset, over the --trial-memory-mb limit of " \
        "400 MB" in str(err.value)
    (stopped,) = [e for e in events if isinstance(e, WorkerStopped)]
    assert stopped.reason == "over its memory limit while loading the data" and not alive(stopped.pid)


def test_close_leaves_no_process(tmp_path):
    ex = make_executor(tmp_path)
    pid = ex.run(0, {}, lambda e: None).metrics["worker_pid"]
    assert alive(pid)
    ex.close()
    ex.close()
    assert not alive(pid)


@pytest.mark.parametrize("cpu, verbose, expected", [
    (True, False, {"CUDA_VISIBLE_DEVICES": "-1", "TF_CPP_MIN_LOG_LEVEL": "3", "TF_FORCE_GPU_ALLOW_GROWTH": "true"}),
    (False, True, {"CUDA_VISIBLE_DEVICES": None, "TF_CPP_MIN_LOG_LEVEL": "0", "TF_FORCE_GPU_ALLOW_GROWTH": "true"}),
])
def test_cpu_and_verbose_reach_the_worker_environment(tmp_path, monkeypatch, cpu, verbose, expected):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("TF_FORCE_GPU_ALLOW_GROWTH", raising=False)
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), cpu_only=cpu, verbose=verbose,
                          log_path=None if verbose else str(tmp_path / "w.log"))
    with ProcessTrialExecutor(config) as ex:
        result = ex.run(0, {}, lambda e: None)
    assert result.metrics["env"] == expected


def test_abort_from_another_thread_ends_the_running_trial(tmp_path):
    import threading

    from tinynas_tui.core.events import StageStarted

    with make_executor(tmp_path) as ex:
        def abort_when_started(event):
            if isinstance(event, StageStarted):
                threading.Thread(target=ex.abort, args=("stopped by the user",)).start()

        stopped = ex.run(0, {"sleep": 60}, abort_when_started)
        refused = ex.run(1, {}, lambda e: None)
        ex.resume()
        after = ex.run(2, {}, lambda e: None)
    assert (stopped.stage, stopped.reason) == ("stopped", "stopped by the user")
    assert (refused.stage, refused.reason) == ("stopped", "stopped by the user")
    assert isinstance(after, TrialFinished)


def test_trial_over_the_memory_limit_fails_and_a_fresh_worker_goes_on(tmp_path):
    # The hook allocates 32 MB every 50 ms without end; the parent must notice and kill the worker.
    with make_executor(tmp_path, memory_limit_mb=400, faults={1: "oom"}) as ex:
        before = ex.run(0, {}, lambda e: None)
        failed = ex.run(1, {}, lambda e: None)
        after = ex.run(2, {}, lambda e: None)
    assert isinstance(failed, TrialFailed) and failed.stage == "memory"
    used = int(failed.reason.split("used ")[1].split(" MB")[0])
    assert used > 400 and "over the 400 MB limit" in failed.reason
    assert isinstance(after, TrialFinished)
    assert before.metrics["worker_pid"] != after.metrics["worker_pid"]
    assert not alive(before.metrics["worker_pid"])
    assert ex.workers_started == 2


@pytest.mark.parametrize("when", ["while the worker starts", "once it is ready"])
def test_abort_before_the_trial_reaches_the_worker_stops_it(tmp_path, when):
    from tinynas_tui.core.events import WorkerStarted

    with make_executor(tmp_path) as ex:
        receive = ex._receive
        calls = []

        def receive_after_abort(timeout):
            if when == "while the worker starts" and not calls:
                ex.abort("stopped by the user")  # the worker is spawned, its ready message not read yet
            calls.append(timeout)
            return receive(timeout)

        def abort_when_ready(event):
            if when == "once it is ready" and isinstance(event, WorkerStarted):
                ex.abort("stopped by the user")

        ex._receive = receive_after_abort
        stopped = ex.run(0, {"sleep": 60}, abort_when_ready)
        ex.resume()
        after = ex.run(1, {}, lambda e: None)
    assert (stopped.stage, stopped.reason) == ("stopped", "stopped by the user")
    assert isinstance(after, TrialFinished)
