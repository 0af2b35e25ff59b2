"""The trial worker process: imports TensorFlow once, then runs trials sent over its pipe.

It is started with the ``spawn`` method (fork after importing TensorFlow can hang), ignores Ctrl-C (the
parent decides what an interrupt means) and exits by itself if the parent disappears.
"""

from __future__ import annotations

import faulthandler
import importlib
import os
import signal
import threading
import time
import traceback
from typing import Any

from tinynas_tui.executor.protocol import (
    PruneTrial,
    TrialError,
    TrialRequest,
    WorkerBroken,
    WorkerConfig,
    WorkerReady,
)
from tinynas_tui.core.events import TrialFailed, TrialPruned

PARENT_CHECK_INTERVAL_S = 1.0
SLOW_FAULT_S = 10.0


def worker_main(conn: Any, config: WorkerConfig, parent_pid: int) -> None:
    """Entry point of the spawned process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent_pid)
    if config.log_path:
        _redirect_output(config.log_path)
    faulthandler.enable()  # a crash leaves a Python traceback in the worker's log
    _configure_environment(config)
    started = time.perf_counter()
    try:
        entry = importlib.import_module(config.entry)
        state = entry.prepare(config)
    except Exception as err:  # anything here makes every trial fail, so report it once
        traceback.print_exc()
        conn.send(WorkerBroken(_one_line(err)))
        return
    conn.send(WorkerReady(os.getpid(), time.perf_counter() - started))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        conn.send(_run_one(entry, state, request, conn.send))


def _run_one(entry: Any, state: Any, request: TrialRequest, emit: Any) -> Any:
    try:
        _inject_fault(request.fault, request.number)
        return entry.run_trial(request, state, emit)
    except PruneTrial as err:
        return TrialPruned(request.number, err.stage, err.reason, err.metrics)
    except TrialError as err:
        return TrialFailed(request.number, err.stage, err.reason)
    except Exception as err:
        traceback.print_exc()
        return TrialFailed(request.number, "trial", f"{type(err).__name__}: {_one_line(err)}")


def _inject_fault(fault: str | None, number: int) -> None:
    """Test hook: make this trial fail the way real ones do."""
    if fault:
        # Announced in the worker's output so a test can act once the fault is in place.
        print(f"test hook: injecting {fault} into trial {number}", flush=True)
    if fault == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif fault == "exit":
        os._exit(3)
    elif fault == "hang":
        threading.Event().wait()
    elif fault == "raise":
        raise RuntimeError("injected fault")
    elif fault == "slow":
        time.sleep(SLOW_FAULT_S)  # then the trial runs as usual
    elif fault == "oom":
        _grow_without_end()


def _grow_without_end() -> None:
    """Test hook: keep allocating (and touching) memory, as a runaway trial does."""
    hoard = []
    while True:
        hoard.append(b"\x01" * (32 * 2**20))
        time.sleep(0.05)  # grow at a pace the parent's memory check can observe


def _one_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:500] if text else type(err).__name__


def watch_parent(parent_pid: int) -> None:
    """Exit when the parent is gone (e.g. kill -9), so no orphan keeps burning CPU."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_INTERVAL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _redirect_output(log_path: str) -> None:
    # fd-level, because TensorFlow and the converter write from C++.
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _configure_environment(config: WorkerConfig) -> None:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0" if config.verbose else "3"
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if config.cpu_only:
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
