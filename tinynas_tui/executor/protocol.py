"""What the parent and the trial worker process send each other over their pipe."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ENTRY = "tinynas_tui.pipeline.trial"
TRIAL_ENTRY_ENV = "TINYNAS_TRIAL_ENTRY"
"""Names another trial entry module for the workers (the tests' fault-injecting one, say)."""
# A trial whose worker passes this resident memory is failed (a runaway model, a leak): a guard far
# above a normal trial's few hundred MB.
DEFAULT_TRIAL_MEMORY_MB = 8192.0
# A warm worker grows ~9 MB a trial (Keras state TensorFlow never frees) and a fresh one costs ~5 s of
# imports and warm-up: recycling every 50 trials bounds the growth (~0.5 GB) at ~5% of the time.
DEFAULT_RECYCLE_EVERY = 50
# After a trial that leaves the worker above this resident memory, a fresh worker takes the next one.
DEFAULT_WORKER_MAX_RSS_MB = 4096.0


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs before its first trial; fixed for the worker's life.

    Attributes:
        entry: Module with ``prepare(config) -> state`` and ``run_trial(request, state, emit)``.
        dataset: A `DatasetSpec` as a dict.
        pipeline: The pipeline config as a dict.
        model: The model family the space's parameters feed.
        scratch_dir: Where trial files are written before the artifact store takes them.
        log_path: File that receives the worker's stdout/stderr; None shows them (``--verbose``).
        verbose: Let TensorFlow and the converter log.
        cpu_only: Hide every GPU from TensorFlow.
        visible_gpus: The GPUs this worker may use, as ``CUDA_VISIBLE_DEVICES`` takes them (e.g. "1");
            None: whatever the parent process sees (``--gpus`` not given).
        threads: TensorFlow intra-op threads (None: TensorFlow's default).
        budgets: The study's hardware budgets as a dict (for the pre-flight check).
        latency: The board the latency objective is estimated for (`LatencyBoard.to_dict`); empty: the
            host CPU's measured latency is the objective (studies made before board latency).
    """

    entry: str = DEFAULT_ENTRY
    dataset: dict[str, Any] = field(default_factory=dict)
    pipeline: dict[str, Any] = field(default_factory=dict)
    model: str = "single-conv"
    scratch_dir: str = "."
    log_path: str | None = None
    verbose: bool = False
    cpu_only: bool = False
    visible_gpus: str | None = None
    threads: int | None = None
    budgets: dict[str, Any] = field(default_factory=dict)
    latency: dict[str, Any] = field(default_factory=dict)


def trial_entry() -> str:
    """The module the trial workers run: `DEFAULT_ENTRY`, or the one `TRIAL_ENTRY_ENV` names."""
    return os.environ.get(TRIAL_ENTRY_ENV) or DEFAULT_ENTRY


@dataclass(frozen=True)
class TrialRequest:
    """Run one trial."""

    number: int
    params: dict[str, Any]
    screen_peers: tuple[tuple[float, float, float], ...] = ()
    """With a multi-fidelity screen: what earlier candidates' screens measured (`tinynas_tui.core.fidelity`)."""


@dataclass(frozen=True)
class WorkerReady:
    """The worker imported its libraries and loaded the data; it takes trials now."""

    pid: int
    seconds: float


@dataclass(frozen=True)
class WorkerBroken:
    """The worker could not get ready (e.g. the dataset would not load); it exits after this."""

    reason: str


class TrialError(Exception):
    """A trial stage failed for a reason worth recording (NaN loss, converter error, ...)."""

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


class PruneTrial(TrialError):
    """End the trial PRUNED, not failed: it cannot fit the budgets, or it failed the quick filter.

    ``metrics`` holds what was measured before the decision (estimates, the quick-filter accuracy).
    """

    def __init__(self, stage: str, reason: str, metrics: dict[str, Any] | None = None) -> None:
        super().__init__(stage, reason)
        self.metrics = dict(metrics or {})
