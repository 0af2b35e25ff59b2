"""From validated options to an open study, its trial executors and the trial loop.

`start_run` is the one sequence headless runs, the ``worker`` command and the UI's study process use:
open (create the runs folder, connect, create or resume the study), make the executors, make the loop.
The UI process itself only opens (`open_run`): its trials run in the study process.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

from tinynas_tui import PROG, paths
from tinynas_tui.core.boards import LatencyBoard, latency_board
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.hypervolume import Reference
from tinynas_tui.core.dataset_spec import DatasetSpec, parse_dataset_spec
from tinynas_tui.core.pipeline_config import PipelineConfig, resolve_pipeline
from tinynas_tui.core.space import SearchSpace, resolve_space
from tinynas_tui.errors import UsageError
from tinynas_tui.executor.protocol import WorkerConfig, trial_entry
from tinynas_tui.run.options import (
    DEFAULT_DATASET,
    DEFAULT_PIPELINE,
    DEFAULT_SPACE,
    ValidatedRun,
    check_dataset_fits_space,
    requested_study,
)
from tinynas_tui.search import study as studies
from tinynas_tui.search.storage import open_artifact_store, open_storage

RetryCallback = Callable[[str, float], None]
"""Told the reason and the seconds before each wait for the storage."""


@dataclass
class OpenRun:
    """An open study and everything needed to run its trials."""

    validated: ValidatedRun
    storage: Any
    study: Any
    definition: studies.StudyDefinition
    artifact_store: Any
    created: bool
    reference: Reference | None = None
    """The study's hypervolume reference, as stored with it."""

    @property
    def study_name(self) -> str:
        return self.study.study_name

    @property
    def budgets(self) -> Budgets:
        """The study's budgets, as stored with it."""
        return Budgets.from_dict(self.definition.budgets)

    @property
    def latency(self) -> LatencyBoard | None:
        """The board the study's latency is estimated for; None: measured on the host CPU."""
        return LatencyBoard.from_dict(self.definition.latency)


def quiet_libraries(verbose: bool) -> None:
    """Optuna's own log lines and experimental-feature warnings only with ``--verbose``."""
    import logging
    import warnings

    import optuna

    optuna.logging.set_verbosity(logging.INFO if verbose else logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def open_run(v: ValidatedRun, on_retry: RetryCallback | None = None, join_existing: bool = False,
             storage: Any = None) -> OpenRun:
    """Create the runs folder, connect, and create or resume the study.

    Args:
        v: The validated options.
        on_retry: Told about each wait for a locked or unreachable database (reason, seconds).
        join_existing: The study must exist already (a worker joining it); without ``--study`` the
            storage must hold exactly one.
        storage: The storage, when it is open already (another study of the same storage).
    """
    if join_existing and v.target.sqlite_path is not None and not v.target.sqlite_path.is_file():
        raise UsageError(f"no study database at {v.target.sqlite_path}: create the study first ({PROG} "
                         "--storage URL --study NAME), or pass the --storage URL it lives in")
    if storage is None:
        storage = open_storage(v.target, heartbeat=v.heartbeat, on_retry=on_retry)
    dataset = v.dataset or parse_dataset_spec(DEFAULT_DATASET)
    space = v.space or resolve_space(DEFAULT_SPACE)
    pipeline = v.pipeline or resolve_pipeline(DEFAULT_PIPELINE)
    if join_existing:
        where = v.target.display
        name = studies.pick_study_name(
            storage, v.options.study, where,
            when_empty=f"storage {where} holds no study yet: create one first ({PROG} --study NAME "
                       "--storage URL on one machine), then start workers")
    else:
        name = requested_study(v.options, dataset, space, pipeline)
    study = studies.load_existing(storage, name)
    if study is None:
        budgets = (v.budgets or Budgets()).to_dict()
        definition = studies.StudyDefinition(space, pipeline.to_dict(), dataset.to_dict(), budgets,
                                             _new_study_latency(v, pipeline))
        check_dataset_fits_space(dataset, space)  # the UI's editor makes studies with a space of its own
        study = studies.create(storage, name, definition, seed=v.options.seed,
                               sampler=v.sampler or studies.DEFAULT_SAMPLER)
        created = True
    else:
        definition = _resumed_definition(study, name, v)
        created = False
        if v.dataset is None:
            _check_stored_dataset_fits(definition.dataset, v.options.trial_memory_mb)
        # A resumed study has its stored space, which validation did not know.
        check_dataset_fits_space(DatasetSpec.from_dict(definition.dataset), definition.space)
    # A study made before the figure gets its reference now, once; created or resumed, it is the stored one.
    reference = studies.hv_reference(study)
    return OpenRun(v, storage, study, definition, open_artifact_store(v.target, storage), created, reference)


def _resumed_definition(study: Any, name: str, v: ValidatedRun) -> studies.StudyDefinition:
    """The stored definition, after checking that what the user gave explicitly matches it."""
    stored = studies.stored_definition(study)
    if not all(stored.values()):
        raise UsageError(f"study {name!r} was not created by {PROG} (it has no stored search space)")
    given = {
        "space": v.space.to_dict() if v.space else None,
        "pipeline": v.pipeline.to_dict() if v.pipeline else None,
        "dataset": v.dataset.to_dict() if v.dataset else None,
    }
    stored_budgets = study.user_attrs.get("budgets") or {}
    stored_latency = study.user_attrs.get("latency") or {}  # none: made before board latency (host CPU)
    given["budgets"] = v.budgets.to_dict() if v.budgets else None
    given["latency board"] = v.latency.to_dict() if v.latency else None
    stored = {**stored, "budgets": stored_budgets, "latency board": stored_latency}
    compared = {**stored, "pipeline": _with_defaults(stored["pipeline"])}
    for key, wanted in given.items():
        if wanted is not None:
            studies.check_same(name, key, compared[key], wanted)
    if v.sampler is not None and v.sampler != studies.stored_sampler(study):
        raise UsageError(f"study {name!r} uses the {studies.stored_sampler(study)} sampler; leave --sampler out "
                         "to resume it, or pass --study NEW_NAME")
    return studies.StudyDefinition(
        SearchSpace.from_dict(stored["space"], source=f"study {name!r}"), stored["pipeline"], stored["dataset"],
        stored_budgets, stored_latency,
    )


def _with_defaults(pipeline: dict[str, Any]) -> dict[str, Any]:
    """A stored pipeline with the settings added since it was stored, at their defaults (which leave the
    trial as it was): so ``--pipeline quick`` resumes a ``quick`` study made before they existed."""
    try:
        return PipelineConfig.from_dict(pipeline).to_dict()
    except UsageError:
        return pipeline  # compared as stored, so the refusal names what differs


def _check_stored_dataset_fits(dataset: dict[str, Any], memory_limit_mb: float | None) -> None:
    """A resumed study's ``.npz`` (checked when the study was made) against this run's memory limit, from
    its headers: the limit may be lower now, or the file replaced."""
    from tinynas_tui.core.dataset_memory import check_fits
    from tinynas_tui.core.npz_dataset import npz_layout

    spec = DatasetSpec.from_dict(dataset)
    if spec.is_npz:
        check_fits(npz_layout(spec.name), spec.train_samples, spec.test_samples, memory_limit_mb,
                   " ".join(spec.name.split()))


def _new_study_latency(v: ValidatedRun, pipeline: Any) -> dict[str, Any]:
    """The latency board a new study is created with: the one named, or the default board; none (the host
    CPU) for a pipeline that does not quantize to int8, which TFLite Micro's int8 kernels cannot run."""
    if pipeline.quantization != "int8":
        return {}
    return (v.latency or latency_board()).to_dict()


def worker_log_path(run: OpenRun, *, to_log_file: bool = False) -> str | None:
    """The trial workers' log file (``logs/worker.log``), or None when their output goes to the terminal."""
    if not to_log_file and run.validated.options.verbose:
        return None
    return str((paths.logs_dir(run.validated.target.runs_dir) / "worker.log").resolve())


def make_executor(run: OpenRun, entry: str | None = None, *, to_log_file: bool = False) -> Any:
    """The process executors for this run's trials: ``--jobs`` of them, sharing the cores.

    Worker output goes to ``logs/worker.log`` unless ``--verbose`` (headless) lets it through to the
    terminal; ``to_log_file`` forces the file, as the UI owns the terminal.
    """
    # Here, not at the top: the UI imports this module (through its engine) before its first frame, and
    # the executor brings multiprocessing along (~15 ms).
    from tinynas_tui.executor.group import ExecutorGroup, gpus_per_worker, threads_per_worker
    from tinynas_tui.executor.trial_executor import ProcessTrialExecutor

    o = run.validated.options
    runs_dir = run.validated.target.runs_dir
    log_path = worker_log_path(run, to_log_file=to_log_file)
    if log_path is not None:
        paths.logs_dir(runs_dir).mkdir(parents=True, exist_ok=True)
    config = WorkerConfig(
        entry=entry or trial_entry(),
        dataset=run.definition.dataset,
        pipeline=run.definition.pipeline,
        model=run.definition.space.model,
        scratch_dir=str(paths.scratch_dir(runs_dir).resolve()),
        log_path=log_path,
        verbose=o.verbose,
        cpu_only=o.cpu,
        threads=threads_per_worker(o.jobs, o.threads),
        budgets=run.definition.budgets,
        latency=run.definition.latency,
    )
    return ExecutorGroup([
        ProcessTrialExecutor(
            replace(config, visible_gpus=gpus),
            trial_timeout=o.trial_timeout,
            recycle_every=o.recycle_every,
            max_rss_mb=o.worker_max_rss_mb,
            memory_limit_mb=o.trial_memory_mb,
        )
        for gpus in gpus_per_worker(o.jobs, o.gpus)
    ])


def make_loop(run: OpenRun, executor: Any, **callbacks: Any) -> Any:
    """The trial loop for this run: its executors, artifact store, and the budgets as constraints."""
    from tinynas_tui.search.loop import TrialLoop

    return TrialLoop(run.study, run.definition.space, executor.members, run.artifact_store,
                     budgets=run.budgets, screen=bool(run.definition.pipeline.get("screen")), **callbacks)


@dataclass
class StartedRun:
    """An open study with its trial executors and the loop that drives them; `close` stops the workers."""

    run: OpenRun
    executor: Any
    loop: Any

    def close(self) -> None:
        self.executor.close()


def start_run(v: ValidatedRun, *, on_retry: RetryCallback | None = None, join_existing: bool = False,
              to_log_file: bool = False, on_event: Callable[[object], None] | None = None,
              on_recorded: Callable[[Any], None] | None = None) -> StartedRun:
    """Open the study and make what runs its trials (no worker process starts before the first trial).

    Args:
        v: The validated options.
        on_retry: Told about each wait for a locked or unreachable database.
        join_existing: As for `open_run`.
        to_log_file: Worker output to ``logs/worker.log`` even with ``--verbose`` (the UI owns the terminal).
        on_event: Receives every progress event (from the thread running that trial).
        on_recorded: Receives each trial once the storage holds its final state.
    """
    run = open_run(v, on_retry=on_retry, join_existing=join_existing)
    executor = make_executor(run, to_log_file=to_log_file)
    return StartedRun(run, executor, make_loop(run, executor, on_event=on_event, on_recorded=on_recorded))
