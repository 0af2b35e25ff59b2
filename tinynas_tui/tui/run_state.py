"""What the study is doing, as the app sees it: one enum, and the groups the controls ask about."""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    """The app's run state; its value is the word the status bar shows."""

    OPENING = "opening"
    """The study is being opened (storage, the bulk read)."""
    RUNNING = "running"
    PAUSING = "pausing"
    """A pause was asked for: the running trials finish, no new one starts."""
    PAUSED = "paused"
    STOPPING = "stopping"
    """A stop was asked for: the running trials are being ended."""
    STOPPED = "stopped"
    FINISHED = "finished"
    """The target number of trials is reached."""
    FAILED = "failed"
    """The study could not be opened."""


ACTIVE = frozenset({RunState.RUNNING, RunState.PAUSING, RunState.STOPPING})
"""A run is in progress: trials may be running."""
STOPPABLE = frozenset({RunState.RUNNING, RunState.PAUSING})
IDLE = frozenset({RunState.PAUSED, RunState.STOPPED, RunState.FINISHED})
"""No run is in progress and one may start."""
