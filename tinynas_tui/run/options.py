"""The user's options, checked: `validate` resolves every option and writes nothing.

So bad input (an unknown dataset, a malformed URL, a space with no grid) is refused with one line before
any folder, database or process exists; `tinynas_tui.run.setup` then opens what the options name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tinynas_tui.core.boards import LatencyBoard, latency_board
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.dataset_spec import DatasetSpec, parse_dataset_spec
from tinynas_tui.core.pipeline_config import PipelineConfig, resolve_pipeline
from tinynas_tui.core.scoring import DEFAULT_WEIGHTS, Weights
from tinynas_tui.core.seed_repeats import DEFAULT_REPEATS
from tinynas_tui.core.space import SearchSpace, resolve_space
from tinynas_tui.errors import UsageError
from tinynas_tui.executor.protocol import DEFAULT_RECYCLE_EVERY, DEFAULT_TRIAL_MEMORY_MB, DEFAULT_WORKER_MAX_RSS_MB
from tinynas_tui.search import study as studies
from tinynas_tui.search.storage import (
    DEFAULT_HEARTBEAT_GRACE_S,
    DEFAULT_HEARTBEAT_INTERVAL_S,
    HeartbeatSettings,
    StorageTarget,
    resolve_storage,
)

DEFAULT_DATASET = "mnist-5k"
DEFAULT_SPACE = "single-conv"
DEFAULT_PIPELINE = "quick"


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for; None means "not given" (use the study's or the default)."""

    dataset: str | None = None
    train_samples: int | None = None
    test_samples: int | None = None
    space: str | None = None
    pipeline: str | None = None
    epochs: int | None = None
    screen_epochs: int | None = None
    """``--screen-epochs``: turns the pipeline's multi-fidelity screen on with that many epochs."""
    quantization: str | None = None
    storage: str | None = None
    runs_dir: str | None = None
    study: str | None = None
    weights: str = DEFAULT_WEIGHTS.as_text()
    seed: int | None = None
    sampler: str | None = None
    target: str | None = None
    core: str | None = None
    clock_mhz: float | None = None
    max_flash_kb: float | None = None
    max_ram_kb: float | None = None
    max_latency_ms: float | None = None
    verbose: bool = False
    cpu: bool = False
    gpus: tuple[int, ...] = ()
    """``--gpus``: GPU ordinals the ``--jobs`` workers are dealt over; empty: each sees every GPU."""
    threads: int | None = None
    trial_timeout: float | None = None
    recycle_every: int = DEFAULT_RECYCLE_EVERY
    worker_max_rss_mb: float = DEFAULT_WORKER_MAX_RSS_MB
    trial_memory_mb: float | None = DEFAULT_TRIAL_MEMORY_MB
    heartbeat_interval: int = DEFAULT_HEARTBEAT_INTERVAL_S
    heartbeat_grace: int = DEFAULT_HEARTBEAT_GRACE_S
    jobs: int = 1
    confirm: int = 0
    """``--confirm K``: after the run's trials, run the front's top K trials again with other seeds."""
    confirm_repeats: int = DEFAULT_REPEATS
    """``--confirm-repeats R``: the seed repeats each confirmed trial gets."""


@dataclass(frozen=True)
class ValidatedRun:
    """Options checked and resolved; nothing has been written yet."""

    options: RunOptions
    target: StorageTarget
    weights: Weights
    dataset: DatasetSpec | None
    space: SearchSpace | None
    pipeline: PipelineConfig | None
    sampler: str | None = None
    budgets: Budgets | None = None
    heartbeat: HeartbeatSettings = HeartbeatSettings()
    latency: LatencyBoard | None = None
    """The board the user named (``--target``, or ``--core`` with ``--clock-mhz``); None: not given."""


def check_dataset_fits_space(dataset: DatasetSpec, space: SearchSpace) -> None:
    """Refuse a ``.npz`` whose images are too small for some model of ``space`` (from its headers).

    A new study gets the space given or the default one; a resumed one its stored space, checked again
    when it is opened (`tinynas_tui.run.setup.open_run`)."""
    if dataset.is_npz:
        from tinynas_tui.core.model_shapes import check_images_fit
        from tinynas_tui.core.npz_dataset import npz_layout

        check_images_fit(space, npz_layout(dataset.name)["x_train"].shape[1:], " ".join(dataset.name.split()))


def validate(options: RunOptions) -> ValidatedRun:
    """Check every option; raise `UsageError` on the first problem. Writes nothing."""
    weights = Weights.parse(options.weights)
    for name in ("trial_timeout", "recycle_every", "worker_max_rss_mb", "threads", "trial_memory_mb", "jobs",
                 "confirm_repeats"):
        value = getattr(options, name)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive, got {value}")
    if options.confirm < 0:
        raise UsageError(f"--confirm must be 0 or more (trials of the front to run again), got {options.confirm}")
    if options.gpus and options.cpu:
        raise UsageError("--gpus and --cpu contradict each other: --cpu hides every GPU")
    dataset = None
    if options.dataset is not None or options.train_samples is not None or options.test_samples is not None:
        dataset = parse_dataset_spec(options.dataset or DEFAULT_DATASET, options.train_samples, options.test_samples,
                                     memory_limit_mb=options.trial_memory_mb)
    space = resolve_space(options.space) if options.space is not None else None
    if dataset is not None:
        check_dataset_fits_space(dataset, space or resolve_space(DEFAULT_SPACE))
    pipeline = None
    if any(v is not None for v in (options.pipeline, options.epochs, options.quantization, options.screen_epochs)):
        pipeline = resolve_pipeline(options.pipeline or DEFAULT_PIPELINE).with_overrides(
            epochs=options.epochs, quantization=options.quantization,
            screen=True if options.screen_epochs is not None else None, screen_epochs=options.screen_epochs,
        )
    sampler = studies.check_sampler(options.sampler) if options.sampler is not None else None
    budgets = None
    if any(v is not None for v in (options.target, options.max_flash_kb, options.max_ram_kb, options.max_latency_ms)):
        budgets = Budgets.build(options.target, options.max_flash_kb, options.max_ram_kb, options.max_latency_ms)
    if sampler == "grid":
        from tinynas_tui.core.grid import distinct_count

        distinct_count(space or resolve_space(DEFAULT_SPACE))  # a space with no grid is refused now
    latency = None
    if any(v is not None for v in (options.target, options.core, options.clock_mhz)):
        latency = latency_board(options.target, options.core, options.clock_mhz)
        if latency.npu:
            from tinynas_tui.latency.vela import require_vela

            require_vela()
        if pipeline is not None and pipeline.quantization != "int8":
            raise UsageError(f"board latency needs full-integer quantization (TFLite Micro's int8 kernels); "
                             f"--quantization {pipeline.quantization} runs in float: leave --target, --core and "
                             "--clock-mhz out (latency is then measured on this CPU)")
    studies.check_name_lengths(requested_study(options, dataset, space, pipeline),
                               space or resolve_space(DEFAULT_SPACE))
    runs_dir = Path(options.runs_dir) if options.runs_dir else None
    target = resolve_storage(options.storage, runs_dir)
    heartbeat = HeartbeatSettings(options.heartbeat_interval, options.heartbeat_grace)
    return ValidatedRun(options, target, weights, dataset, space, pipeline, sampler, budgets, heartbeat, latency)


def requested_study(options: RunOptions, dataset: DatasetSpec | None, space: SearchSpace | None,
                    pipeline: PipelineConfig | None) -> str:
    """The study a run opens (unless it joins the storage's only one): ``--study NAME``, or
    ``DATASET-SPACE-PIPELINE`` of what was given, defaults filled in."""
    if options.study:
        return options.study
    return studies.default_study_name((dataset or parse_dataset_spec(DEFAULT_DATASET)).label,
                                      (space or resolve_space(DEFAULT_SPACE)).name,
                                      (pipeline or resolve_pipeline(DEFAULT_PIPELINE)).name)
