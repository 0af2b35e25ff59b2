"""Which process owns a running trial, and whether that process is still alive.

A trial whose process was killed (kill -9, an OOM kill) stays RUNNING until its heartbeat has been silent
for the grace period (120 s by default): a run restarted at once would wait that long for the trial to
be failed and retried. But when the owner ran on this machine, its death can be seen directly. So each
trial records its owner (a system attribute: the machine, the process id and that process's start time),
and a RUNNING trial whose owner is on this machine and no longer alive is failed at once. A process id
can be reused by a new process; its start time tells the two apart. Trials of other machines still go
by their heartbeats.

"This machine" is the host name, the boot and the process-id namespace together (containers on one host
share a boot but not a pid namespace; two machines may share a host name). Without ``/proc`` (not Linux)
none of it can be known, and every trial goes by its heartbeat.
"""

from __future__ import annotations

import os
import socket
from typing import Any

OWNER_ATTR = "trial_owner"
"""Trial system attribute: {"machine": [host, boot id, pid namespace], "pid": ..., "started": ...}. Not
``tinynas:…``: that prefix marks a whole figure (`core.stored_figures`), which the owner is not."""


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def _machine() -> list[str] | None:
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    return None if boot is None else [socket.gethostname(), boot, namespace]


def _start_and_state(pid: int) -> tuple[int, str] | None:
    """The process's start time (clock ticks since boot) and state letter, or None when there is none."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name (in parentheses) may hold spaces
    return int(fields[19]), fields[0]


def this_process() -> dict[str, Any] | None:
    """The owner record of the calling process, or None where it cannot be known (not Linux)."""
    machine, own = _machine(), _start_and_state(os.getpid())
    if machine is None or own is None:
        return None
    return {"machine": machine, "pid": os.getpid(), "started": own[0]}


def is_dead_here(owner: Any) -> bool:
    """Whether ``owner`` (a recorded owner) ran on this machine and that process has ended.

    False whenever it cannot be told for sure: another machine, a record of another form, no ``/proc``.
    """
    if not isinstance(owner, dict) or owner.get("machine") != _machine() or _machine() is None:
        return False
    pid, started = owner.get("pid"), owner.get("started")
    if not isinstance(pid, int) or not isinstance(started, int):
        return False
    now = _start_and_state(pid)
    # No such process, a zombie (ended, not yet reaped), or another process that got the same id.
    return now is None or now[1] in ("Z", "X") or now[0] != started


def record_owner(storage: Any, trial_id: int) -> None:
    """Record the calling process as the owner of a trial it has just asked for."""
    owner = this_process()
    if owner is not None:
        storage.set_trial_system_attr(trial_id, OWNER_ATTR, owner)


def dead_owner_trial_ids(study: Any) -> list[int]:
    """Ids of this study's RUNNING trials whose owner ran on this machine and has ended."""
    from optuna.trial import TrialState

    if _machine() is None:
        return []
    # The RDB storage itself, not Optuna's cache around it: the cache would first read every trial of the
    # study (the UI opens 50,000 trials with a bulk read of its own); the storage reads the RUNNING ones.
    storage = getattr(study._storage, "_backend", study._storage)
    running = storage.get_all_trials(study._study_id, deepcopy=False, states=(TrialState.RUNNING,))
    return [t._trial_id for t in running if is_dead_here(t.system_attrs.get(OWNER_ATTR))]
