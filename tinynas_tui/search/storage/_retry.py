"""Retry storage calls that fail for a passing reason: a locked database, a dropped server connection.

SQLite allows one writer at a time; another process (a second worker, a backup, a `sqlite3` shell) may
hold the lock for a while. PostgreSQL connections drop when a server restarts or a network blips. Both
are worth waiting out: each call is retried with exponential backoff for up to `RETRY_FOR_S` seconds
and every wait is reported, so a long lock shows up as a plain message instead of a crash.

Nothing else is retried: a full disk, a read-only file, a schema that is not Optuna's, a value too long
for its column would fail the same way for five minutes, so they fail at once (`transient` says which
is which). A signal ends the waiting too (`RetryingRDBStorage.interrupt`).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import optuna

RETRY_FOR_S = 300.0
FIRST_WAIT_S = 0.5
MAX_WAIT_S = 10.0

RetryListener = Callable[[str, float], None]
"""Called before each wait with a one-line reason and the seconds about to be waited."""

# SQLite's primary result codes for another connection holding the database: SQLITE_BUSY, SQLITE_LOCKED.
_SQLITE_LOCK_CODES = (5, 6)
# PostgreSQL's codes (SQLSTATE) for a lock conflict: serialization failure, deadlock, lock not available.
_PG_LOCK_STATES = ("40001", "40P01", "55P03")
# ... and for a server that is away: admin, crash shutdown, cannot connect now (starting up).
_PG_GONE_STATES = ("57P01", "57P02", "57P03")
_PG_CONNECTION_CLASS = "08"  # connection exceptions
# What drivers say when no code comes with the error (a connection that could not be made, or broke).
_LOCK_WORDS = ("database is locked", "database table is locked", "database is busy", "deadlock detected",
               "could not obtain lock", "lock timeout")
_GONE_WORDS = ("connection refused", "connection reset", "connection timed out", "timeout expired",
               "server closed the connection", "connection is closed", "connection was closed",
               "connection already closed", "terminating connection", "could not connect to server",
               "the database system is starting up", "the database system is shutting down",
               "the database system is in recovery mode", "cannot connect now", "no route to host",
               "network is unreachable", "ssl connection has been closed", "ssl syscall error",
               "consuming input failed", "broken pipe", "eof detected")

# Storage methods that read or write the database; each one is a complete transaction, so running it
# again after a failed attempt (which was rolled back) is safe.
_RETRIED = (
    "create_new_study", "delete_study", "set_study_user_attr", "set_study_system_attr",
    "get_study_id_from_name", "get_study_name_from_id", "get_study_directions", "get_study_user_attrs",
    "get_study_system_attrs", "get_trial_user_attrs", "get_trial_system_attrs", "get_all_studies",
    "create_new_trial", "set_trial_param", "get_trial_param", "set_trial_state_values",
    "set_trial_intermediate_value", "set_trial_user_attr", "set_trial_system_attr",
    "get_trial_id_from_study_id_trial_number", "get_trial", "get_all_trials", "_get_trials",
    "get_best_trial", "record_heartbeat", "_get_stale_trial_ids",
)


@dataclass(frozen=True)
class Transient:
    """A storage error worth waiting out."""

    reason: str
    """One line: the driver's own words."""
    lock: bool
    """Another process holds the database (rather than a server being away)."""


def transient(err: BaseException) -> Transient | None:
    """Whether ``err`` (or what caused it) is a held lock or a lost connection; None for anything else."""
    from sqlalchemy import exc

    cause: BaseException | None = err
    while cause is not None:  # Optuna wraps a failed commit in StorageInternalError
        if isinstance(cause, exc.DBAPIError):
            return _classify(cause)
        cause = cause.__cause__
    return None


def _classify(err: Any) -> Transient | None:
    orig = err.orig
    lines = str(orig if orig is not None else err).strip().splitlines()
    reason = lines[0].strip() if lines else "database unavailable"
    if err.connection_invalidated:  # SQLAlchemy's dialect saw a disconnect
        return Transient(reason or "database connection lost", lock=False)
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return Transient(reason, lock=True) if sqlite_code & 0xFF in _SQLITE_LOCK_CODES else None
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state:
        if state in _PG_LOCK_STATES:
            return Transient(reason, lock=True)
        if state in _PG_GONE_STATES or state.startswith(_PG_CONNECTION_CLASS):
            return Transient(reason, lock=False)
        return None
    words = " ".join(lines).lower()
    if any(w in words for w in _LOCK_WORDS):
        return Transient(reason, lock=True)
    if any(w in words for w in _GONE_WORDS):
        return Transient(reason, lock=False)
    return None


def failure_line(err: BaseException) -> str | None:
    """The database's own first line when ``err`` came from the storage; None for any other error.

    Optuna words a failed commit as its own `StorageInternalError` ("An exception is raised during the
    commit..."); the driver's line under it says what happened (``database or disk is full``).
    """
    from sqlalchemy import exc

    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, exc.SQLAlchemyError):
            orig = getattr(cause, "orig", None)
            lines = str(orig if orig is not None else cause).strip().splitlines()
            return lines[0].strip() if lines else type(cause).__name__
        cause = cause.__cause__
    return None


def transient_reason(err: BaseException) -> str | None:
    """One line saying why ``err`` is worth retrying, or None when it is not."""
    found = transient(err)
    return None if found is None else found.reason


class Backoff:
    """Waits that double from `FIRST_WAIT_S` up to `MAX_WAIT_S`, for at most ``budget_s`` in all."""

    def __init__(self, budget_s: float = RETRY_FOR_S) -> None:
        self.deadline = time.monotonic() + budget_s
        self.wait = FIRST_WAIT_S

    def next_wait(self) -> float | None:
        """Seconds to wait before the next attempt, or None once the budget is spent."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return None
        wait = min(self.wait, left)
        self.wait = min(self.wait * 2, MAX_WAIT_S)
        return wait


def call_with_retry(call: Callable[[], Any], on_retry: RetryListener | None, budget_s: float = RETRY_FOR_S,
                    locks_only: bool = False, stop: threading.Event | None = None) -> Any:
    """Run ``call``; on a held lock or a lost connection wait and run it again, until ``budget_s`` is spent.

    Args:
        call: The storage operation.
        on_retry: Told about each wait.
        budget_s: How long to keep trying.
        locks_only: Retry only a held lock; a server that cannot be reached fails at once (used when
            connecting, where a wrong URL should be reported now, not in five minutes).
        stop: Once set, nothing more is waited for: a wait in progress ends and the error is raised.
    """
    backoff = Backoff(budget_s)
    while True:
        try:
            return call()
        except Exception as err:
            found = transient(err)
            if found is None or (locks_only and not found.lock) or (stop is not None and stop.is_set()):
                raise
            wait = backoff.next_wait()
            if wait is None:
                raise
            if on_retry is not None:
                on_retry(found.reason, wait)
            # A real wait for another process to let go (not test synchronisation); a stop ends it.
            if stop is None:
                time.sleep(wait)
            elif stop.wait(wait):
                raise


class RetryingRDBStorage(optuna.storages.RDBStorage):
    """An `RDBStorage` whose reads and writes wait out locks and dropped connections.

    Args:
        *args: As for `RDBStorage`.
        on_retry: Told about each wait (default: nothing).
        retry_for_s: How long one call may keep retrying.
        **kwargs: As for `RDBStorage`.
    """

    def __init__(self, *args: Any, on_retry: RetryListener | None = None, retry_for_s: float = RETRY_FOR_S,
                 **kwargs: Any) -> None:
        self.on_retry = on_retry
        self.retry_for_s = retry_for_s
        self._depth = threading.local()
        self._stop_waiting = threading.Event()
        super().__init__(*args, **kwargs)

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state.pop("_depth", None)
        state.pop("_stop_waiting", None)
        state["on_retry"] = None
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._depth = threading.local()
        self._stop_waiting = threading.Event()

    def interrupt(self) -> None:
        """Stop waiting (from any thread, or a signal handler): a wait in progress ends with its error, and
        from now on every call is tried once. What the process still writes on its way out (a trial
        marked FAIL) is written if the storage allows it at once."""
        self._stop_waiting.set()

    @property
    def interrupted(self) -> bool:
        return self._stop_waiting.is_set()

    def set_trial_user_attrs(self, trial_id: int, attrs: Mapping[str, Any]) -> None:
        """Set several user attributes of a trial in one statement and one transaction.

        A trial records ~20 figures. Optuna writes each in its own transaction with its own lookup of the
        trial (~4 ms of Python each, which the UI process's event loop would wait on for the interpreter
        lock, and on a server database a round trip each); this is one upsert of all rows. Retried as a
        whole: an upsert can be repeated.
        """
        if self.engine.name not in ("sqlite", "postgresql"):
            for key, value in attrs.items():
                self.set_trial_user_attr(trial_id, key, value)
            return
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session
        from sqlalchemy.dialects import postgresql, sqlite

        table = models.TrialUserAttributeModel
        rows = [{"trial_id": trial_id, "key": key, "value_json": json.dumps(value)} for key, value in attrs.items()]
        insert = (sqlite if self.engine.name == "sqlite" else postgresql).insert(table).values(rows)
        upsert = insert.on_conflict_do_update(index_elements=[table.trial_id, table.key],
                                              set_={"value_json": insert.excluded.value_json})

        def write() -> None:
            with _create_scoped_session(self.scoped_session, True) as session:
                trial = models.TrialModel.find_or_raise_by_id(trial_id, session)
                self.check_trial_is_updatable(trial_id, trial.state)
                session.execute(upsert)

        if rows:
            self._retrying(write)

    def set_finished_trial_user_attrs(self, trial_id: int, attrs: Mapping[str, Any]) -> None:
        """Set user attributes of a trial that has finished, which Optuna's own calls refuse.

        Only for a summary *about* a trial that comes after it ended (the accuracy over its seed repeats,
        `tinynas_tui.core.seed_repeats`), never for its results. The rows of these keys are replaced in one
        transaction, on any database. A process that already holds the finished trial in Optuna's cache
        keeps its old attributes: this tool computes the summary from the repeats themselves.
        """
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session
        from sqlalchemy import delete, insert

        table = models.TrialUserAttributeModel.__table__
        rows = [{"trial_id": trial_id, "key": key, "value_json": json.dumps(value)} for key, value in attrs.items()]

        def write() -> None:
            with _create_scoped_session(self.scoped_session, True) as session:
                models.TrialModel.find_or_raise_by_id(trial_id, session)
                session.execute(delete(table).where(table.c.trial_id == trial_id, table.c.key.in_(list(attrs))))
                session.execute(insert(table), rows)

        if rows:
            self._retrying(write)

    def _retrying(self, call: Callable[[], Any]) -> Any:
        # Only the outermost call retries: a method that calls another must not multiply the waits.
        depth = getattr(self._depth, "value", 0)
        if depth:
            return call()
        self._depth.value = 1
        try:
            return call_with_retry(call, self.on_retry, self.retry_for_s, stop=self._stop_waiting)
        finally:
            self._depth.value = 0


def _wrap(name: str) -> None:
    original = getattr(optuna.storages.RDBStorage, name)

    @functools.wraps(original)
    def method(self: RetryingRDBStorage, *args: Any, **kwargs: Any) -> Any:
        return self._retrying(lambda: original(self, *args, **kwargs))

    setattr(RetryingRDBStorage, name, method)


for _name in _RETRIED:
    _wrap(_name)
