"""Liveness of running trials: each process beats for its trial, and anyone may fail a silent one.

A trial whose process died (kill -9, a lost machine) or stopped (SIGSTOP, a suspended laptop) stays
RUNNING in the storage forever unless somebody notices. Every process that runs trials records a
heartbeat for its trial every `interval` seconds; before each new trial, a process fails the trials of
this study that have not beaten for `grace` seconds, and their parameters are queued again once. A trial
whose owner ran on this machine and has ended (`owner`) is failed the same way without waiting for the
grace period.
"""

from __future__ import annotations

import threading
from typing import Any

import optuna

MAX_RETRY = 1


class StaleTrialRetry(optuna.storages.RetryHeartbeatStaleTrialCallback):
    """Optuna's retry-once callback, also remembering which trials it saw go stale."""

    def __init__(self, max_retry: int = MAX_RETRY) -> None:
        super().__init__(max_retry=max_retry)
        self._lock = threading.Lock()
        self._failed: list[int] = []

    def __call__(self, study: Any, trial: Any) -> None:
        from tinynas_tui.search.owner import OWNER_ATTR

        with self._lock:
            self._failed.append(trial.number)
        # Optuna copies the failed trial's system attributes into its retry: not its owner, who is gone (the
        # retry's own owner is recorded when it is asked for, and until then it must not look dead).
        trial.system_attrs.pop(OWNER_ATTR, None)
        super().__call__(study, trial)

    def take_failed(self) -> list[int]:
        """Numbers of the trials failed as stale since the last call."""
        with self._lock:
            failed, self._failed = self._failed, []
        return failed


class TrialHeartbeat:
    """Beats for one trial from a background thread while the ``with`` block runs.

    A beat that cannot be written (the database is briefly unreachable) is skipped; the next one
    tries again, and the grace period is several beats long.
    """

    def __init__(self, storage: Any, trial_id: int) -> None:
        self.storage = storage
        self.trial_id = trial_id
        self.interval = storage.get_heartbeat_interval() if hasattr(storage, "get_heartbeat_interval") else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> TrialHeartbeat:
        if self.interval:
            self._beat()
            self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.trial_id}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._beat()

    def _beat(self) -> None:
        try:
            self.storage.record_heartbeat(self.trial_id)
        except Exception:  # noqa: BLE001 - a missed beat is survivable; a crashed thread is not useful
            pass


def fail_stale_trials(study: Any) -> list[int]:
    """Fail this study's stale trials (queueing each for one retry); return their numbers.

    Stale: silent for the grace period, or owned by a process of this machine that has ended.
    """
    import copy
    import warnings

    from tinynas_tui.search.owner import dead_owner_trial_ids

    storage = study._storage
    callback = storage.get_heartbeat_stale_trial_callback() if hasattr(storage, "get_heartbeat_interval") else None
    if callback is None or not storage.get_heartbeat_interval():
        return []
    for trial_id in dead_owner_trial_ids(study):
        try:
            failed = storage.set_trial_state_values(trial_id, state=optuna.trial.TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            failed = False  # another process got there first
        if failed:
            callback(study, copy.deepcopy(storage.get_trial(trial_id)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    return callback.take_failed() if isinstance(callback, StaleTrialRetry) else []
