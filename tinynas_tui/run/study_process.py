"""The UI's trial loop, in a process of its own (the study process).

Asking Optuna for parameters, telling it results, recording heartbeats and driving the trial workers
is Python work: ~0.1-0.2 s of it per trial (SQLAlchemy, the sampler). In the UI process that work
would hold the interpreter lock while the event loop wants it, and the loop's timers would run late
by up to a switch interval (5 ms) each time. So the UI's `OptunaEngine` runs its `TrialLoop` here:
a spawned process that opens the same study, owns the trial workers (its own children), and sends
every progress event back over a pipe. The UI process keeps the storage for reads and exports.

Headless runs and ``tinynas-tui worker`` have no event loop to protect and run the loop in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
import traceback
from dataclasses import dataclass, replace
from typing import Any, Callable

from tinynas_tui.executor.process_tools import watch_parent

CLOSE_TIMEOUT_S = 30.0  # a worker's clean exit can take a few seconds (TensorFlow's own shutdown)


@dataclass(frozen=True)
class RunTrials:
    """Run this many more trials (a pause or abort may end the run sooner)."""

    n_trials: int


@dataclass(frozen=True)
class ConfirmFront:
    """Run the front's ``top`` best trials again until each has ``repeats`` seed repeats (`run.confirm`),
    the front ranked by ``weights`` and ``budgets`` (the UI's); a `ConfirmPlanned` event says what first."""

    top: int
    repeats: int
    weights: Any
    budgets: Any


@dataclass(frozen=True)
class AddTrials:
    """Add this many trials to the run in progress; ignored once it has ended (`RunEnded.extended` says
    how many it took, so the UI side runs the rest)."""

    n_trials: int


@dataclass(frozen=True)
class SetBudgets:
    """The study's budgets changed (stored already): trials started from now on are checked against them."""

    budgets: dict[str, Any]


@dataclass(frozen=True)
class StudyProcessReady:
    """The study process opened the study; it takes runs now."""

    pid: int


@dataclass(frozen=True)
class RunEnded:
    """A run ended; ``error`` says why when it ended by an exception (with its ``details``)."""

    error: str | None = None
    details: str = ""
    extended: int = 0
    """How many trials `AddTrials` added to this run."""


class StudyProcessError(RuntimeError):
    """The study process failed to open the study, failed a run, or died."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class StudyProcess:
    """A spawned process running one study's trials for the UI.

    Args:
        validated: The run's validated options; the process opens ``study_name`` with them.
        study_name: The study to run (created already by the UI process).
    """

    def __init__(self, validated: Any, study_name: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._send_lock = threading.Lock()
        self._in_run = False
        self._added = 0  # trials AddTrials asked of this run
        self._halted = False  # a pause or abort was asked of this run
        self.process = context.Process(target=study_process_main, name="tinynas-study",
                                       args=(child_conn, validated, study_name, os.getpid()))
        self.process.start()
        child_conn.close()

    def run(self, n_trials: int, on_event: Callable[[object], None]) -> None:
        """Run ``n_trials`` trials there, handing each event to ``on_event`` here; block until the run ends.

        Raises:
            StudyProcessError: The study would not open, the run raised, or the process died.
        """
        self._drive(RunTrials(n_trials), on_event)

    def confirm(self, top: int, repeats: int, weights: Any, budgets: Any, on_event: Callable[[object], None]) -> None:
        """Run the seed repeats of the front's ``top`` best trials there (`ConfirmFront`), as `run` runs trials."""
        self._drive(ConfirmFront(top, repeats, weights, budgets), on_event)

    def _drive(self, command: RunTrials | ConfirmFront, on_event: Callable[[object], None]) -> None:
        with self._send_lock:
            self._in_run, self._added, self._halted = True, 0, False
            self._post(command)
        try:
            while True:
                message = self._receive()
                if isinstance(message, StudyProcessReady):
                    continue  # opened; the run's events follow
                if isinstance(message, RunEnded):
                    if message.error is not None:
                        raise StudyProcessError(message.error, message.details)
                    if not self._run_the_rest(message.extended):
                        return
                    continue
                on_event(message)
        finally:
            with self._send_lock:
                self._in_run = False

    def _run_the_rest(self, taken: int) -> bool:
        """The run ended having taken ``taken`` of the trials `extend` added: start the others (an
        extension that reached the study process as its run was ending) unless a pause or abort was asked."""
        with self._send_lock:
            rest, self._added = self._added - taken, 0
            if rest <= 0 or self._halted:
                return False
            self._post(RunTrials(rest))
            return True

    def extend(self, n_trials: int) -> bool:
        """Add ``n_trials`` to the run in progress: False if no run is in progress here."""
        with self._send_lock:
            if not self._in_run:
                return False
            self._added += n_trials
            self._post(AddTrials(n_trials))
            return True

    def set_budgets(self, budgets: dict[str, Any]) -> None:
        """The study's new budgets (already stored), for the trials it starts from now on."""
        self._send(SetBudgets(budgets))

    def request_pause(self) -> None:
        """No new trial starts; the running ones finish."""
        self._send("pause", halt=True)

    def abort(self) -> None:
        """End the running trials now (recorded as failed, stopped by the user)."""
        self._send("abort", halt=True)

    def close(self) -> None:
        """Stop the process and its trial workers (a running trial is aborted first)."""
        if self.process.is_alive():
            self._send("abort")
            self._send(None)
            self.process.join(CLOSE_TIMEOUT_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self._conn.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def _send(self, message: object, halt: bool = False) -> None:
        with self._send_lock:  # the UI's thread and the run's thread both send
            self._halted = self._halted or halt
            self._post(message)

    def _post(self, message: object) -> None:
        """Send, holding the send lock."""
        try:
            self._conn.send(message)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the process is gone; the run's receive reports it

    def _receive(self) -> object:
        try:
            return self._conn.recv()
        except (EOFError, ConnectionResetError, OSError):
            self.process.join(5)
            raise StudyProcessError(f"the study process ended unexpectedly (exit code {self.process.exitcode})")


def study_process_main(conn: Any, validated: Any, study_name: str, parent_pid: int) -> None:
    """Entry point of the spawned study process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the UI decides what Ctrl-C means
    watch_parent(parent_pid)  # a killed UI takes this process, and with it the trial workers, along
    send_lock = threading.Lock()

    def send(message: object) -> None:
        with send_lock:  # with --jobs N, N runner threads send events
            conn.send(message)

    try:
        started = _start(validated, study_name, send)
    except Exception as err:
        _refuse_runs(conn, send, RunEnded(f"{type(err).__name__}: {err}", traceback.format_exc()))
        return
    send(StudyProcessReady(os.getpid()))
    runs: queue.Queue[Any] = queue.Queue()

    def listen() -> None:
        # Pause and abort must reach the runner while it runs, so commands are read on their own thread.
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = None
            if message == "pause":
                started.loop.stop_requested.set()
            elif message == "abort":
                started.loop.stop_requested.set()
                started.executor.abort("stopped by the user")
            elif isinstance(message, AddTrials):
                started.loop.extend(message.n_trials)  # refused once the run ends: RunEnded.extended tells
            elif isinstance(message, SetBudgets):
                _set_budgets(started, message.budgets)
            else:
                runs.put(message)
                if message is None:
                    return

    threading.Thread(target=listen, name="study-commands", daemon=True).start()
    try:
        while (message := runs.get()) is not None:
            started.loop.stop_requested.clear()
            started.executor.resume()
            try:
                if isinstance(message, ConfirmFront):
                    _confirm(started, message, send)
                else:
                    started.loop.run(message.n_trials)
            except Exception as err:
                send(RunEnded(_error_line(err, validated.target.url), traceback.format_exc()))
            else:
                send(RunEnded(extended=started.loop.extended))
    finally:
        started.close()


def _confirm(started: Any, message: ConfirmFront, send: Callable[[object], None]) -> None:
    from tinynas_tui.core.events import ConfirmPlanned
    from tinynas_tui.run.confirm import confirm_front

    confirm_front(started.run, started.loop, message.top, message.repeats,
                  lambda line, to_run: send(ConfirmPlanned(line, to_run)), message.weights, message.budgets)


def _set_budgets(started: Any, budgets: dict[str, Any]) -> None:
    """New budgets for the loop's constraints and the workers' pre-flight check (each worker is replaced
    before its next trial: its configuration is fixed for its life)."""
    from tinynas_tui.core.budgets import Budgets

    started.loop.budgets = Budgets.from_dict(budgets)
    started.run.definition = replace(started.run.definition, budgets=dict(budgets))
    for member in started.executor.members:
        member.reconfigure(replace(member.config, budgets=dict(budgets)))


def _start(validated: Any, study_name: str, send: Callable[[object], None]) -> Any:
    from tinynas_tui.core.events import StorageBusy
    from tinynas_tui.run.setup import quiet_libraries, start_run

    quiet_libraries(verbose=False)
    validated = replace(validated, options=replace(validated.options, study=study_name))
    return start_run(validated, on_retry=lambda reason, seconds: send(StorageBusy(reason, seconds)),
                     join_existing=True, to_log_file=True, on_event=send)


def _error_line(err: Exception, url: str) -> str:
    """What the UI's error dialog says: the database's own line for a storage failure (Optuna's and
    SQLAlchemy's wrapping carry the statement and several lines), else the error as raised."""
    from tinynas_tui.search.storage import failure_line, scrub

    line = failure_line(err)
    return f"{type(err).__name__}: {err}" if line is None else f"the storage failed: {scrub(line, url)}"


def _refuse_runs(conn: Any, send: Callable[[object], None], why: RunEnded) -> None:
    """The study did not open: answer each run with why, until the UI closes this process."""
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if isinstance(message, (RunTrials, ConfirmFront)):
            send(why)
