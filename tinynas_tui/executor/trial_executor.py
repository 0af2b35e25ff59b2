"""The parent's side of the trial worker: start it, feed it trials, watch it, replace it.

One worker process runs trials one at a time. It stays warm across trials (TensorFlow imported and the
data loaded once) and is recycled every ``recycle_every`` trials or when its memory passes a limit,
because a process that keeps building Keras models grows by tens of MB per trial. A crash, a hang past
the timeout or an exception ends only that trial; the next trial gets a fresh worker.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait
from typing import Any, Callable, Sequence

from tinynas_tui.core import figures
from tinynas_tui.executor.protocol import (
    DEFAULT_RECYCLE_EVERY,
    DEFAULT_WORKER_MAX_RSS_MB,
    TrialRequest,
    WorkerBroken,
    WorkerConfig,
    WorkerReady,
)
from tinynas_tui.executor.process_tools import resident_mb
from tinynas_tui.executor.worker_entry import worker_main
from tinynas_tui.core.events import TrialFailed, TrialFinished, TrialPruned, WorkerStarted, WorkerStopped

STARTUP_TIMEOUT_S = 600.0
STOP_GRACE_S = 10.0
# How often a running trial's memory is checked against the limit.
MEMORY_CHECK_INTERVAL_S = 0.25


class WorkerStartError(RuntimeError):
    """The worker could not get ready, so no trial can run (e.g. the dataset does not load)."""


class ProcessTrialExecutor:
    """Runs trials in a spawned, recycled worker process.

    Args:
        config: The worker's fixed configuration.
        trial_timeout: Seconds one trial may take (None: no limit).
        recycle_every: Replace the worker after this many trials.
        max_rss_mb: Replace the worker after a trial when its resident memory passes this many MB.
        memory_limit_mb: Fail a trial, killing its worker, when the worker's resident memory passes this
            many MB while the trial runs (None: no limit).
    """

    def __init__(
        self,
        config: WorkerConfig,
        trial_timeout: float | None = None,
        recycle_every: int = DEFAULT_RECYCLE_EVERY,
        max_rss_mb: float = DEFAULT_WORKER_MAX_RSS_MB,
        memory_limit_mb: float | None = None,
    ) -> None:
        self.config = config
        self.trial_timeout = trial_timeout
        self.recycle_every = recycle_every
        self.max_rss_mb = max_rss_mb
        self.memory_limit_mb = memory_limit_mb
        self._ctx = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._conn: Any = None
        self._trials_in_worker = 0
        self._abort_reason: str | None = None
        self._reconfigured = False  # the worker runs an older config: replace it before the next trial
        self.workers_started = 0

    @property
    def worker_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def run(self, number: int, params: dict[str, Any], on_event: Callable[[object], None],
            screen_peers: Sequence[tuple[float, float, float]] = ()) -> TrialFinished | TrialFailed | TrialPruned:
        """Run one trial and return how it ended; progress events go to ``on_event``; ``screen_peers`` are
        what earlier candidates' multi-fidelity screens measured, for a pipeline that screens."""
        if self._abort_reason is not None:
            return TrialFailed(number, "stopped", self._abort_reason)
        try:
            if self._reconfigured:
                self._reconfigured = False
                self._stop_worker("reconfigured", on_event)
            try:
                self._ensure_worker(on_event)
            except WorkerStartError:
                if self._abort_reason is None:
                    raise
                # An abort while the worker started (the first trial's ~5 s) killed it, or came too early
                # to: either way the trial is stopped, not run.
            if self._abort_reason is not None:
                self._discard("aborted", on_event)  # abort() killed it, or it is unused: none is left
                return TrialFailed(number, "stopped", self._abort_reason)
            request = TrialRequest(number, params, tuple(map(tuple, screen_peers)))
            self._conn.send(request)
            outcome = self._await_outcome(number, on_event)
        except KeyboardInterrupt:
            self._kill("interrupted", on_event)
            raise
        self._trials_in_worker += 1
        if self._alive() and self._should_recycle(outcome):
            self._stop_worker("recycled", on_event)
        return outcome

    def reconfigure(self, config: WorkerConfig) -> None:
        """Run later trials with ``config`` (from any thread): the worker is replaced before the next one
        (a trial running now finishes as it started)."""
        self.config = config
        self._reconfigured = True

    def abort(self, reason: str = "stopped by the user") -> None:
        """End the running trial now (from any thread); later trials fail at once until `resume`."""
        self._abort_reason = reason
        process = self._process
        if process is not None and process.is_alive():
            process.kill()

    def resume(self) -> None:
        """Accept trials again after an `abort`."""
        self._abort_reason = None

    def close(self) -> None:
        """Stop the worker; safe to call more than once."""
        self._stop_worker("closed", lambda event: None)

    def __enter__(self) -> ProcessTrialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker life cycle -------------------------------------------------------------------

    def _ensure_worker(self, on_event: Callable[[object], None]) -> None:
        if self._alive():
            return
        self._discard("restart", on_event)
        parent_conn, child_conn = self._ctx.Pipe()
        process = self._ctx.Process(
            target=worker_main,
            args=(child_conn, self.config, os.getpid()),
            name="tinynas-trial-worker",
            daemon=True,
        )
        process.start()
        child_conn.close()
        self._process, self._conn = process, parent_conn
        self._trials_in_worker = 0
        self.workers_started += 1
        ready = self._await_ready()
        if isinstance(ready, WorkerReady):
            on_event(WorkerStarted(process.pid))
            return
        if isinstance(ready, float):
            self._kill("over its memory limit while loading the data", on_event)
            # Every later worker would load the same data: the run ends once, naming the data, rather
            # than failing each trial at memory after paying for another load.
            raise WorkerStartError(
                f"the trial worker could not start: it used {math.ceil(ready)} MB while loading the dataset, "
                f"over the --trial-memory-mb limit of {self.memory_limit_mb:g} MB; raise --trial-memory-mb "
                "or use a smaller dataset")
        reason = ready.reason if isinstance(ready, WorkerBroken) else self._death_reason(ready)
        self._discard("failed to start", on_event)
        raise WorkerStartError(f"the trial worker could not start: {reason}")

    def _await_ready(self) -> Any:
        """The worker's first message, "timeout" or "died"; or its resident MB once over the memory limit
        (the limit holds while it imports TensorFlow and loads the data, as while a trial runs)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            if self.memory_limit_mb is not None:
                remaining = min(remaining, MEMORY_CHECK_INTERVAL_S)
            message = self._receive(remaining)
            if message != "timeout":
                return message
            over = self._over_memory_limit()
            if over is not None:
                return over
            if time.monotonic() >= deadline:
                return message

    def _await_outcome(self, number: int, on_event: Callable[[object], None]) -> TrialFinished | TrialFailed | TrialPruned:
        deadline = None if self.trial_timeout is None else time.monotonic() + self.trial_timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if self.memory_limit_mb is not None:
                remaining = MEMORY_CHECK_INTERVAL_S if remaining is None else min(remaining, MEMORY_CHECK_INTERVAL_S)
            message = self._receive(remaining)
            if isinstance(message, (TrialFinished, TrialFailed, TrialPruned)):
                return message
            over = self._over_memory_limit()
            if over is not None:
                self._kill("over its memory limit", on_event)
                # Rounded up: 400.2 MB must not read as "400 MB, over the 400 MB limit".
                return TrialFailed(number, "memory", f"the worker used {math.ceil(over)} MB, over the "
                                                     f"{self.memory_limit_mb:g} MB limit")
            if message == "timeout":
                if deadline is None or time.monotonic() < deadline:
                    continue  # only a memory check was due
                self._kill("timed out", on_event)
                return TrialFailed(number, "timeout", f"timed out after {self.trial_timeout:g} s")
            if isinstance(message, str):
                if self._abort_reason is not None:
                    self._discard("aborted", on_event)
                    return TrialFailed(number, "stopped", self._abort_reason)
                reason = self._death_reason(message)
                self._discard("crashed", on_event)
                return TrialFailed(number, "worker", reason)
            on_event(message)

    def _receive(self, timeout: float | None) -> Any:
        """The next message, or "timeout", or "died" when the worker is gone."""
        ready = wait([self._conn, self._process.sentinel], timeout)
        if self._conn in ready:
            try:
                return self._conn.recv()
            except (EOFError, OSError):
                return "died"
        return "died" if ready else "timeout"

    def _death_reason(self, what: str) -> str:
        if what == "timeout":
            return f"no answer within {STARTUP_TIMEOUT_S:g} s"
        self._process.join(STOP_GRACE_S)
        code = self._process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            text = f"worker process crashed ({name})"
        else:
            text = f"worker process exited unexpectedly (exit code {code})"
        if self.config.log_path:
            text += f"; its output is in {self.config.log_path}"
        return text

    def _over_memory_limit(self) -> float | None:
        if self.memory_limit_mb is None or not self._alive():
            return None
        rss = resident_mb(self._process.pid)
        return rss if rss is not None and rss > self.memory_limit_mb else None

    def _should_recycle(self, outcome: TrialFinished | TrialFailed | TrialPruned) -> bool:
        if self._trials_in_worker >= self.recycle_every:
            return True
        rss = outcome.metrics.get(figures.WORKER_RSS_MB) if isinstance(outcome, TrialFinished) else None
        return rss is not None and rss > self.max_rss_mb

    def _alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _stop_worker(self, reason: str, on_event: Callable[[object], None]) -> None:
        """Ask the worker to exit; kill it if it does not."""
        if self._alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._process.join(STOP_GRACE_S)
        self._discard(reason, on_event)

    def _kill(self, reason: str, on_event: Callable[[object], None]) -> None:
        if self._alive():
            self._process.kill()
        self._discard(reason, on_event)

    def _discard(self, reason: str, on_event: Callable[[object], None]) -> None:
        """Forget the worker, making sure no process is left behind."""
        if self._process is None:
            return
        process, conn = self._process, self._conn
        self._process = self._conn = None
        pid = process.pid
        if process.is_alive():
            process.kill()
        process.join(STOP_GRACE_S)
        conn.close()
        process.close()
        on_event(WorkerStopped(pid, reason))
