"""One trial as every layer sees it: a plain record of what storage knows of it, and the live stage.

Built from an Optuna `FrozenTrial` (`TrialRecord.from_frozen`) or from a trial's events (`TrialBook`);
no Optuna object is kept, so a record crosses threads and processes as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tinynas_tui.core import figures, stored_figures
from tinynas_tui.core.figures import FROM_OPTUNA
from tinynas_tui.core.live_trial import LiveTrial


@dataclass(frozen=True)
class TrialRecord:
    """One trial: what storage knows of it, plus the live stage while it runs."""

    number: int
    state: str
    params: dict[str, Any] = field(default_factory=dict)
    values: tuple[float, float, float] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    stage: str | None = None
    seconds: float | None = None
    partial: bool = False
    """Only the attributes the table and ranking use were read (no parameters); the engine has the rest."""
    started_at: float | None = None
    """When the trial started (``time.time()`` seconds): from storage, or when this process heard it start."""
    live: LiveTrial | None = None
    """What this process heard while the trial runs (its epochs, pre-flight figures); None otherwise."""

    @property
    def accuracy(self) -> float | None:
        return self.values[0] if self.values else None

    @property
    def size_kb(self) -> float | None:
        return self.values[1] if self.values else None

    @property
    def latency_ms(self) -> float | None:
        return self.values[2] if self.values else None

    @property
    def arena_kb(self) -> float | None:
        arena = self.attrs.get(figures.ARENA_BYTES)
        return None if arena is None else arena / 1024.0

    @property
    def reason(self) -> str | None:
        """Why a trial failed or was pruned."""
        for kind in ("fail", "prune"):
            stage, reason = self.attrs.get(f"{kind}_stage"), self.attrs.get(f"{kind}_reason")
            if reason is not None:
                return f"{stage}: {reason}" if stage else reason
        if self.state == "failed":
            # Failed by another process's stale-trial check: nothing recorded why, the heartbeat stopped.
            where = self.attrs.get(figures.WORKER_HOST)
            return f"heartbeat: its process{f' ({where})' if where else ''} died or was stopped"
        return None

    @property
    def activity(self) -> str | None:
        """What a running trial is doing: its live stage, or, for a trial this process has no live events
        of (another process runs it, e.g. ``tinynas-tui worker``), where it runs."""
        if self.state != "running":
            return None
        if self.stage:
            return self.stage
        where = self.attrs.get(figures.WORKER_HOST)
        return f"on {where}" if where else "elsewhere"

    @classmethod
    def from_frozen(cls, trial: Any) -> TrialRecord:
        """From an Optuna `FrozenTrial`."""
        state = FROM_OPTUNA[trial.state.name]
        seconds = None
        if trial.datetime_start and trial.datetime_complete:
            seconds = (trial.datetime_complete - trial.datetime_start).total_seconds()
        values = tuple(trial.values) if state == "complete" and trial.values else None
        started = trial.datetime_start.timestamp() if trial.datetime_start else None
        return cls(trial.number, state, dict(trial.params), values, stored_figures.of_trial(trial), None, seconds,
                   started_at=started)
