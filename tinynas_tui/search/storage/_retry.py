"""Retry storage calls that fail for a passing reason: a locked SQLite file, a dropped server connection.

SQLite allows one writer at a time; another process (a second worker, a backup, a `sqlite3` shell) may
hold the lock for a while. PostgreSQL connections drop when a server restarts or a network blips. Both
are worth waiting out: each call is retried with exponential backoff for up to `RETRY_FOR_S` seconds
and every wait is reported, so a long lock shows up as a plain message instead of a crash.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from typing import Any, Callable, Mapping

import optuna

RETRY_FOR_S = 300.0
FIRST_WAIT_S = 0.5
MAX_WAIT_S = 10.0

RetryListener = Callable[[str, float], None]
"""Called before each wait with a one-line reason and the seconds about to be waited."""

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


def transient_reason(err: BaseException) -> str | None:
    """One line saying why ``err`` is worth retrying, or None when it is not."""
    from sqlalchemy import exc

    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, exc.OperationalError):
            text = str(cause.orig if cause.orig is not None else cause).strip().splitlines()
            return text[0] if text else "database unavailable"
        if isinstance(cause, exc.DBAPIError) and cause.connection_invalidated:
            return "database connection lost"
        cause = cause.__cause__
    return None


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


def is_lock(reason: str) -> bool:
    """Whether a transient reason is another process holding the database (not a server being away)."""
    return "locked" in reason or "busy" in reason


def call_with_retry(call: Callable[[], Any], on_retry: RetryListener | None, budget_s: float = RETRY_FOR_S,
                    locks_only: bool = False) -> Any:
    """Run ``call``; on a transient storage error wait and run it again, until ``budget_s`` is spent.

    Args:
        call: The storage operation.
        on_retry: Told about each wait.
        budget_s: How long to keep trying.
        locks_only: Retry only a held lock; a server that cannot be reached fails at once (used when
            connecting, where a wrong URL should be reported now, not in five minutes).
    """
    backoff = Backoff(budget_s)
    while True:
        try:
            return call()
        except Exception as err:
            reason = transient_reason(err)
            if reason and locks_only and not is_lock(reason):
                reason = None
            wait = backoff.next_wait() if reason else None
            if wait is None:
                raise
            if on_retry is not None:
                on_retry(reason, wait)
            time.sleep(wait)  # a real wait for another process to let go, not test synchronisation


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
        super().__init__(*args, **kwargs)

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state.pop("_depth", None)
        state["on_retry"] = None
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._depth = threading.local()

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

    def _retrying(self, call: Callable[[], Any]) -> Any:
        # Only the outermost call retries: a method that calls another must not multiply the waits.
        depth = getattr(self._depth, "value", 0)
        if depth:
            return call()
        self._depth.value = 1
        try:
            return call_with_retry(call, self.on_retry, self.retry_for_s)
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
