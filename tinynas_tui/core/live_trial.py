"""What a UI hears of a trial it runs while it runs: the stage now, each epoch's figures, pre-flight.

Only the process that runs a trial (through its study process) gets these live events; storage holds
none of them until the trial ends, so a trial another process runs has no `LiveTrial`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from tinynas_tui.core.events import EpochEnded

MAX_EPOCHS_KEPT = 60
"""Epochs kept per trial (every stage together): a 500-epoch run must not grow the book without end;
the view shows the last few anyway."""


@dataclass(frozen=True)
class LiveTrial:
    """The live progress of one running trial.

    Attributes:
        stage: The stage now (build, preflight, train, prune, qat, convert, measure, …).
        stage_started_at: When the stage began (``time.time()`` seconds).
        epochs: The epochs reported so far, oldest first, at most `MAX_EPOCHS_KEPT` (the newest).
            The worker throttles its epoch events, so very short epochs may skip numbers.
        last_epoch_at: When the latest epoch ended (``time.time()`` seconds).
        preflight: The pre-flight figures (parameters, MACs, estimated bytes), once measured.
    """

    stage: str | None = None
    stage_started_at: float | None = None
    epochs: tuple[EpochEnded, ...] = ()
    last_epoch_at: float | None = None
    preflight: dict[str, Any] = field(default_factory=dict)

    def stage_began(self, stage: str, now: float) -> LiveTrial:
        return replace(self, stage=stage, stage_started_at=now)

    def epoch_ended(self, event: EpochEnded, now: float) -> LiveTrial:
        kept = (*self.epochs, event)[-MAX_EPOCHS_KEPT:]
        if self.stage != event.stage:  # an epoch without its StageStarted (never from the pipeline)
            return replace(self, stage=event.stage, stage_started_at=now, epochs=kept, last_epoch_at=now)
        return replace(self, epochs=kept, last_epoch_at=now)

    def measured(self, figures: dict[str, Any]) -> LiveTrial:
        return replace(self, preflight={**self.preflight, **figures})

    @property
    def last_epoch(self) -> EpochEnded | None:
        """The latest epoch of the stage now (None before its first one)."""
        last = self.epochs[-1] if self.epochs else None
        return last if last is not None and last.stage == self.stage else None

    def stage_left(self, now: float) -> float | None:
        """Seconds left in the stage now, at the pace of its epochs so far (None before its first)."""
        last = self.last_epoch
        if last is None or self.stage_started_at is None or self.last_epoch_at is None or last.epoch <= 0:
            return None
        per_epoch = max(0.0, self.last_epoch_at - self.stage_started_at) / last.epoch
        return max(0.0, per_epoch * max(0, last.epochs - last.epoch) - max(0.0, now - self.last_epoch_at))
