"""Progress events a trial reports while it runs, named in the past tense.

They cross a process boundary (the trial worker pickles them), so they are plain frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrialStarted:
    number: int
    params: dict[str, Any]
    repeat_of: int | None = None
    """The trial this one repeats with another seed (`tinynas_tui.core.seed_repeats`); None: not a repeat."""


@dataclass(frozen=True)
class StageStarted:
    number: int
    stage: str


@dataclass(frozen=True)
class StageFinished:
    number: int
    stage: str
    seconds: float


@dataclass(frozen=True)
class EpochEnded:
    number: int
    stage: str
    epoch: int
    epochs: int
    logs: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PreflightMeasured:
    """The built, untrained model's pre-flight figures (`tinynas_tui.core.figures` names: parameters,
    MACs, estimated int8 weight, activation and model bytes, a board latency estimate), sent before
    the budgets are checked and training starts."""

    number: int
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrialFinished:
    """A trial completed: its objectives and every other figure it measured."""

    number: int
    accuracy: float
    size_kb: float
    latency_ms: float
    metrics: dict[str, Any] = field(default_factory=dict)
    # Files the trial produced, by artifact name (e.g. "model.tflite"), still in the scratch folder.
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrialFailed:
    number: int
    stage: str
    reason: str


@dataclass(frozen=True)
class TrialPruned:
    """A trial ended early on purpose: it could not fit the budgets, or failed the quick filter."""

    number: int
    stage: str
    reason: str
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrialStale:
    """A RUNNING trial of this study stopped beating (its process died or stopped); now FAIL, retried once."""

    number: int


@dataclass(frozen=True)
class TrialLost:
    """This process finished a trial whose result the storage can no longer take (already failed as stale)."""

    number: int
    reason: str


@dataclass(frozen=True)
class StorageBusy:
    """A storage call failed for a passing reason (a lock, a dropped connection) and will be retried."""

    reason: str
    seconds: float


@dataclass(frozen=True)
class WorkerStarted:
    pid: int


@dataclass(frozen=True)
class WorkerStopped:
    pid: int
    reason: str


@dataclass(frozen=True)
class ConfirmPlanned:
    """The study process chose which front trials to confirm with other seeds (`core.seed_repeats`)."""

    line: str
    """What it does, e.g. ``Confirming the top 3 trials of the front with 2 more seeds each (6 trials)``."""
    to_run: int
    """The seed repeats it runs now (0: none; ``line`` says why)."""
