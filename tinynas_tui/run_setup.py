"""From the user's options to an open study and a trial executor.

Two steps, in this order, so bad input never leaves anything behind: `validate` checks every option
without writing anything; `open_run` then creates the runs folder, connects to the storage and creates
or resumes the study. The headless runner and the UI both use this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinynas_tui import paths
from tinynas_tui.errors import UsageError
from tinynas_tui.executor.protocol import (
    DEFAULT_ENTRY,
    DEFAULT_RECYCLE_EVERY,
    DEFAULT_TRIAL_MEMORY_MB,
    DEFAULT_WORKER_MAX_RSS_MB,
    WorkerConfig,
)
from tinynas_tui.core.pipeline_config import PipelineConfig, resolve_pipeline
from tinynas_tui.core.dataset_spec import DatasetSpec, parse_dataset_spec
from tinynas_tui.search import study as studies
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import DEFAULT_WEIGHTS, Weights
from tinynas_tui.core.space import SearchSpace, resolve_space
from tinynas_tui.search.storage import (
    DEFAULT_HEARTBEAT_GRACE_S,
    DEFAULT_HEARTBEAT_INTERVAL_S,
    HeartbeatSettings,
    StorageTarget,
    open_artifact_store,
    open_storage,
    resolve_storage,
)

DEFAULT_DATASET = "mnist-5k"
DEFAULT_SPACE = "single-conv"
DEFAULT_PIPELINE = "quick"
FAULTS_ENV = "TINYNAS_TEST_FAULTS"  # test hook, e.g. "1:crash,2:hang"


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for; None means "not given" (use the study's or the default)."""

    dataset: str | None = None
    train_samples: int | None = None
    test_samples: int | None = None
    space: str | None = None
    pipeline: str | None = None
    epochs: int | None = None
    quantization: str | None = None
    storage: str | None = None
    runs_dir: str | None = None
    study: str | None = None
    weights: str = DEFAULT_WEIGHTS.as_text()
    seed: int | None = None
    sampler: str | None = None
    target: str | None = None
    max_flash_kb: float | None = None
    max_ram_kb: float | None = None
    max_latency_ms: float | None = None
    verbose: bool = False
    cpu: bool = False
    threads: int | None = None
    trial_timeout: float | None = None
    recycle_every: int = DEFAULT_RECYCLE_EVERY
    worker_max_rss_mb: float = DEFAULT_WORKER_MAX_RSS_MB
    trial_memory_mb: float | None = DEFAULT_TRIAL_MEMORY_MB
    heartbeat_interval: int = DEFAULT_HEARTBEAT_INTERVAL_S
    heartbeat_grace: int = DEFAULT_HEARTBEAT_GRACE_S
    jobs: int = 1


@dataclass(frozen=True)
class ValidatedRun:
    """Options checked and resolved; nothing has been written yet."""

    options: RunOptions
    target: StorageTarget
    weights: Weights
    dataset: DatasetSpec | None
    space: SearchSpace | None
    pipeline: PipelineConfig | None
    faults: dict[int, str] = field(default_factory=dict)
    sampler: str | None = None
    budgets: Budgets | None = None
    heartbeat: HeartbeatSettings = HeartbeatSettings()


@dataclass
class OpenRun:
    """An open study and everything needed to run its trials."""

    validated: ValidatedRun
    storage: Any
    study: Any
    definition: studies.StudyDefinition
    artifact_store: Any
    created: bool

    @property
    def study_name(self) -> str:
        return self.study.study_name


def validate(options: RunOptions) -> ValidatedRun:
    """Check every option; raise `UsageError` on the first problem. Writes nothing."""
    weights = Weights.parse(options.weights)
    for name in ("trial_timeout", "recycle_every", "worker_max_rss_mb", "threads", "trial_memory_mb", "jobs"):
        value = getattr(options, name)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive, got {value}")
    dataset = None
    if options.dataset is not None or options.train_samples is not None or options.test_samples is not None:
        dataset = parse_dataset_spec(options.dataset or DEFAULT_DATASET, options.train_samples, options.test_samples)
    space = resolve_space(options.space) if options.space is not None else None
    pipeline = None
    if options.pipeline is not None or options.epochs is not None or options.quantization is not None:
        pipeline = resolve_pipeline(options.pipeline or DEFAULT_PIPELINE).with_overrides(
            epochs=options.epochs, quantization=options.quantization
        )
    sampler = studies.check_sampler(options.sampler) if options.sampler is not None else None
    budgets = None
    if any(v is not None for v in (options.target, options.max_flash_kb, options.max_ram_kb, options.max_latency_ms)):
        budgets = Budgets.build(options.target, options.max_flash_kb, options.max_ram_kb, options.max_latency_ms)
    if sampler == "grid":
        from tinynas_tui.core.grid import distinct_count

        distinct_count(space or resolve_space(DEFAULT_SPACE))  # a space with no grid is refused now
    runs_dir = Path(options.runs_dir) if options.runs_dir else None
    target = resolve_storage(options.storage, runs_dir)
    heartbeat = HeartbeatSettings(options.heartbeat_interval, options.heartbeat_grace)
    return ValidatedRun(options, target, weights, dataset, space, pipeline, _parse_faults(), sampler, budgets,
                        heartbeat)


def _parse_faults() -> dict[int, str]:
    text = os.environ.get(FAULTS_ENV, "").strip()
    faults = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        number, _, fault = item.partition(":")
        faults[int(number)] = fault
    return faults


def make_runner(run: OpenRun, executor: Any, **callbacks: Any) -> Any:
    """The study runner for this run: its executors, artifact store and budgets as constraints."""
    from tinynas_tui.search.runner import StudyRunner

    return StudyRunner(run.study, run.definition.space, executor.members, run.artifact_store,
                       budgets=Budgets.from_dict(run.definition.budgets), **callbacks)


def quiet_libraries(verbose: bool) -> None:
    """Optuna's own log lines and experimental-feature warnings only with ``--verbose``."""
    import logging
    import warnings

    import optuna

    optuna.logging.set_verbosity(logging.INFO if verbose else logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def open_run(v: ValidatedRun, on_retry: Any = None, join_existing: bool = False) -> OpenRun:
    """Create the runs folder, connect, and create or resume the study.

    Args:
        v: The validated options.
        on_retry: Told about each wait for a locked or unreachable database (reason, seconds).
        join_existing: The study must exist already (a worker joining it); without ``--study`` the
            storage must hold exactly one.
    """
    if join_existing and v.target.sqlite_path is not None and not v.target.sqlite_path.is_file():
        raise UsageError(f"no study database at {v.target.sqlite_path}: create the study first (tinynas-tui "
                         "--storage URL --study NAME), or pass the --storage URL it lives in")
    storage = open_storage(v.target, heartbeat=v.heartbeat, on_retry=on_retry)
    dataset = v.dataset or parse_dataset_spec(DEFAULT_DATASET)
    space = v.space or resolve_space(DEFAULT_SPACE)
    pipeline = v.pipeline or resolve_pipeline(DEFAULT_PIPELINE)
    if join_existing:
        where = v.target.display
        name = studies.pick_study_name(
            storage, v.options.study, where,
            when_empty=f"storage {where} holds no study yet: create one first (tinynas-tui --study NAME "
                       "--storage URL on one machine), then start workers")
    else:
        name = v.options.study or studies.default_study_name(dataset.label, space.name, pipeline.name)
    study = studies.load_existing(storage, name)
    if study is None:
        budgets = (v.budgets or Budgets()).to_dict()
        definition = studies.StudyDefinition(space, pipeline.to_dict(), dataset.to_dict(), budgets)
        study = studies.create(storage, name, definition, seed=v.options.seed,
                               sampler=v.sampler or studies.DEFAULT_SAMPLER)
        created = True
    else:
        definition = _resumed_definition(study, name, v)
        created = False
    return OpenRun(v, storage, study, definition, open_artifact_store(v.target, storage), created)


def _resumed_definition(study: Any, name: str, v: ValidatedRun) -> studies.StudyDefinition:
    """The stored definition, after checking that what the user gave explicitly matches it."""
    stored = studies.stored_definition(study)
    if not all(stored.values()):
        raise UsageError(f"study {name!r} was not created by tinynas-tui (it has no stored search space)")
    given = {
        "space": v.space.to_dict() if v.space else None,
        "pipeline": v.pipeline.to_dict() if v.pipeline else None,
        "dataset": v.dataset.to_dict() if v.dataset else None,
    }
    stored_budgets = study.user_attrs.get("budgets") or {}
    given["budgets"] = v.budgets.to_dict() if v.budgets else None
    stored = {**stored, "budgets": stored_budgets}
    for key, wanted in given.items():
        if wanted is not None:
            studies.check_same(name, key, stored[key], wanted)
    if v.sampler is not None and v.sampler != studies.stored_sampler(study):
        raise UsageError(f"study {name!r} uses the {studies.stored_sampler(study)} sampler; leave --sampler out "
                         "to resume it, or pass --study NEW_NAME")
    return studies.StudyDefinition(
        SearchSpace.from_dict(stored["space"], source=f"study {name!r}"), stored["pipeline"], stored["dataset"],
        stored_budgets,
    )


def worker_log_path(run: OpenRun, *, to_log_file: bool = False) -> str | None:
    """The trial workers' log file (``logs/worker.log``), or None when their output goes to the terminal."""
    if not to_log_file and run.validated.options.verbose:
        return None
    return str((paths.logs_dir(run.validated.target.runs_dir) / "worker.log").resolve())


def make_executor(run: OpenRun, entry: str = DEFAULT_ENTRY, *, to_log_file: bool = False) -> Any:
    """The process executors for this run's trials: ``--jobs`` of them, sharing the cores.

    Worker output goes to ``logs/worker.log`` unless ``--verbose`` (headless) lets it through to the
    terminal; ``to_log_file`` forces the file, as the UI owns the terminal.
    """
    # Here, not at the top: the UI validates options with this module before its first frame, and the
    # executor brings multiprocessing along (~15 ms).
    from tinynas_tui.executor.group import ExecutorGroup, threads_per_worker
    from tinynas_tui.executor.trial_executor import ProcessTrialExecutor

    o = run.validated.options
    runs_dir = run.validated.target.runs_dir
    log_path = worker_log_path(run, to_log_file=to_log_file)
    if log_path is not None:
        paths.logs_dir(runs_dir).mkdir(parents=True, exist_ok=True)
    config = WorkerConfig(
        entry=entry,
        dataset=run.definition.dataset,
        pipeline=run.definition.pipeline,
        model=run.definition.space.model,
        scratch_dir=str(paths.scratch_dir(runs_dir).resolve()),
        log_path=log_path,
        verbose=o.verbose,
        cpu_only=o.cpu,
        threads=threads_per_worker(o.jobs, o.threads),
        budgets=run.definition.budgets,
    )
    return ExecutorGroup([
        ProcessTrialExecutor(
            config,
            trial_timeout=o.trial_timeout,
            recycle_every=o.recycle_every,
            max_rss_mb=o.worker_max_rss_mb,
            memory_limit_mb=o.trial_memory_mb,
            faults=run.validated.faults,
        )
        for _ in range(o.jobs)
    ])
