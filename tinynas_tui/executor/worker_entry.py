"""The trial worker process: imports its trial entry module (TensorFlow) once, then runs the trials
sent over its pipe.

It is started with the ``spawn`` method (fork after importing TensorFlow can hang), ignores Ctrl-C (the
parent decides what an interrupt means) and exits by itself if the parent disappears.
"""

from __future__ import annotations

import faulthandler
import importlib
import os
import signal
import sys
import time
import traceback
from typing import Any

from tinynas_tui.core.events import TrialFailed, TrialPruned
from tinynas_tui.core.log_marks import ended_mark, started_mark
from tinynas_tui.executor.process_tools import redirect_output, watch_parent
from tinynas_tui.executor.protocol import (
    PruneTrial,
    TrialError,
    TrialRequest,
    WorkerBroken,
    WorkerConfig,
    WorkerReady,
)


def worker_main(conn: Any, config: WorkerConfig, parent_pid: int) -> None:
    """Entry point of the spawned process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent_pid)
    if config.log_path:
        redirect_output(config.log_path)
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
        conn.send(_run_one(entry, state, request, conn.send, marks=bool(config.log_path)))


def _run_one(entry: Any, state: Any, request: TrialRequest, emit: Any, marks: bool = False) -> Any:
    """Run one trial; with ``marks``, between the log lines that say which trial the output is of."""
    if not marks:
        return _run_trial(entry, state, request, emit)
    print(started_mark(request.number), flush=True)
    try:
        return _run_trial(entry, state, request, emit)
    finally:
        sys.stderr.flush()  # the trial's tracebacks before its end mark
        print(ended_mark(request.number), flush=True)


def _run_trial(entry: Any, state: Any, request: TrialRequest, emit: Any) -> Any:
    try:
        return entry.run_trial(request, state, emit)
    except PruneTrial as err:
        return TrialPruned(request.number, err.stage, err.reason, err.metrics)
    except TrialError as err:
        return TrialFailed(request.number, err.stage, err.reason)
    except Exception as err:
        traceback.print_exc()
        return TrialFailed(request.number, "trial", f"{type(err).__name__}: {_one_line(err)}")


def _one_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:500] if text else type(err).__name__


def _configure_environment(config: WorkerConfig) -> None:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0" if config.verbose else "3"
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if config.cpu_only:
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    elif config.visible_gpus is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = config.visible_gpus
    # Before TensorFlow starts: by default each process maps almost all of a GPU's memory, so a second
    # worker on that GPU would be starved. A user's own setting wins.
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
