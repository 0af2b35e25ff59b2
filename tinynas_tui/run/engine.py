"""The engine behind the UI: one open study, the process that runs its trials, and reads of its trials.

Every method blocks (storage and process I/O), so the UI calls them from its threads. Reads are
incremental: after the first, a poll asks storage only for trials it has not seen finish. Trials run in
a `StudyProcess` (asking, telling and the trial workers), so that Python work never holds the
interpreter lock the UI's event loop needs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.dataset_spec import DatasetSpec
from tinynas_tui.core.events import StorageBusy, TrialFailed, TrialFinished, TrialPruned, TrialStarted
from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.space import SearchSpace
from tinynas_tui.core.study_names import changes, edited_name, free_name
from tinynas_tui.core.study_summary import StudySummary
from tinynas_tui.core.training_device import from_options
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.run.options import ValidatedRun
from tinynas_tui.run.setup import OpenRun, open_run, quiet_libraries, worker_log_path
from tinynas_tui.search import study as studies
from tinynas_tui.tui.engine_api import EngineInfo


class OptunaEngine:
    """The real engine: Optuna storage for reads, and a spawned study process that runs the trials."""

    def __init__(self, validated: ValidatedRun) -> None:
        from multiprocessing import resource_tracker

        # Spawning a worker needs multiprocessing's resource tracker, which is started with the
        # process's stderr; once the app runs, Textual has replaced sys.stderr with an object that has
        # no real file descriptor. So start the tracker now, before any app exists.
        resource_tracker.ensure_running()
        self.validated = validated
        self._run: OpenRun | None = None
        self._process: Any = None  # a StudyProcess once the study first runs
        self._max_trial_id = -1
        self._unfinished_ids: set[int] = set()
        self._trial_ids: dict[int, int] = {}  # trial number -> storage trial id
        self.last_read = 0
        """Trials read from storage by the last open or poll."""
        self._on_event: Callable[[object], None] = lambda event: None

    def _storage_busy(self, reason: str, seconds: float) -> None:
        self._on_event(StorageBusy(reason, seconds))

    def open(self) -> tuple[EngineInfo, list[TrialRecord]]:
        # The UI owns the terminal: library log lines would only land in Textual's capture.
        quiet_libraries(verbose=False)
        self._attach(open_run(self.validated, on_retry=self._storage_busy))
        return self.info(), self._read_all()

    def _attach(self, run: OpenRun) -> None:
        self.close()  # another study: its own process, started by its first run
        self._run = run
        self._max_trial_id = -1
        self._unfinished_ids = set()
        self._trial_ids = {}

    def _read_all(self) -> list[TrialRecord]:
        """Every trial of the study just opened: one bulk read of what the table needs (see
        `trial_reader`; 50,000 trials in ~1-2 s rather than ~60 s through Optuna), then polls as usual."""
        from tinynas_tui.search.heartbeat import fail_stale_trials
        from tinynas_tui.search.trial_reader import can_read, read_study

        run = self._require()
        if not can_read(run.storage):
            return self.poll()
        fail_stale_trials(run.study)
        read = read_study(run.storage, run.study._study_id, summary=True)
        self._max_trial_id, self._unfinished_ids, self._trial_ids = read.max_trial_id, read.unfinished_ids, read.trial_ids
        self.last_read = len(read.records)
        return read.records

    def read_trial(self, number: int) -> TrialRecord | None:
        """One trial in full (parameters, every attribute), e.g. for the detail view of a bulk-read trial."""
        from tinynas_tui.search.trial_reader import read_trial

        trial_id = self._trial_ids.get(number)
        return None if trial_id is None else read_trial(self._require().storage, trial_id)

    def read_params(self) -> dict[int, dict[str, Any]]:
        """Every trial's parameters by number, in one query (a storage the bulk reader cannot read was
        read through Optuna, parameters included: nothing to add)."""
        from tinynas_tui.search.trial_reader import can_read, read_params

        run = self._require()
        return read_params(run.storage, run.study._study_id) if can_read(run.storage) else {}

    def info(self) -> EngineInfo:
        from tinynas_tui.search.ranking_attrs import stored_ranking

        run = self._require()
        saved_weights, saved_budgets = stored_ranking(run.study.user_attrs)
        return EngineInfo(
            study_name=run.study_name,
            dataset=run.definition.dataset.get("name", "?").rsplit("/", 1)[-1],
            sampler=studies.SAMPLER_LABELS.get(studies.stored_sampler(run.study), "?"),
            storage=run.validated.target.display,
            space=run.definition.space,
            pipeline=PipelineConfig.from_dict(run.definition.pipeline),
            log_path=worker_log_path(run, to_log_file=True),
            board=run.latency,
            study_budgets=run.budgets,
            saved_weights=saved_weights,
            saved_budgets=saved_budgets,
            hv_reference=run.reference,
            trains_on=from_options(self.validated.options.gpus, self.validated.options.cpu),
        )

    def poll(self) -> list[TrialRecord]:
        """Trials that are new, or were unfinished at the last poll."""
        from optuna.trial import TrialState

        run = self._require()
        storage, study_id = run.storage, run.study._study_id
        from tinynas_tui.search.heartbeat import fail_stale_trials

        # A worker that died elsewhere leaves its trial RUNNING; fail it (and queue its retry) here too,
        # so the table does not show it running forever while this UI runs nothing.
        fail_stale_trials(run.study)
        try:
            frozen = storage._get_trials(study_id, None, set(self._unfinished_ids), self._max_trial_id)
        except AttributeError:  # a storage without the incremental read
            frozen = storage.get_all_trials(study_id, deepcopy=False)
        self.last_read = len(frozen)
        for t in frozen:
            self._trial_ids[t.number] = t._trial_id
            self._max_trial_id = max(self._max_trial_id, t._trial_id)
            if t.state in (TrialState.RUNNING, TrialState.WAITING):
                self._unfinished_ids.add(t._trial_id)
            else:
                self._unfinished_ids.discard(t._trial_id)
        return [TrialRecord.from_frozen(t) for t in frozen]

    def run(self, n_trials: int, on_event: Callable[[object], None]) -> None:
        """Run ``n_trials`` trials in the study process (started now if it is not running)."""
        self._drive(lambda process, track: process.run(n_trials, track), on_event)

    def confirm(self, top: int, repeats: int, weights: Weights, budgets: Budgets,
                on_event: Callable[[object], None]) -> None:
        """Run the seed repeats of the front's ``top`` best trials under ``weights`` and ``budgets``
        (``repeats`` each, counting those they have) in the study process, as `run` runs trials; a
        `ConfirmPlanned` event says first what it runs."""
        self._drive(lambda process, track: process.confirm(top, repeats, weights, budgets, track), on_event)

    def _drive(self, command: Callable[[Any, Callable[[object], None]], None],
               on_event: Callable[[object], None]) -> None:
        """Hand ``command`` the study process (started now if it is not running) and an event callback
        that tracks the running trials, so a process that dies leaves none of them running."""
        from tinynas_tui.run.study_process import StudyProcess  # brings multiprocessing: not before the first frame

        from tinynas_tui.run.study_process import StudyProcessError

        run = self._require()
        self._on_event = on_event
        if self._process is None or not self._process.alive:
            if self._process is not None:
                self._process.close()
            self._process = StudyProcess(run.validated, run.study_name)
        running: set[int] = set()

        def track(event: object) -> None:
            if isinstance(event, TrialStarted):
                running.add(event.number)
            elif isinstance(event, (TrialFinished, TrialFailed, TrialPruned)):
                running.discard(event.number)
            on_event(event)

        try:
            command(self._process, track)
        except StudyProcessError as err:
            if not self._process.alive and running:
                self._fail_orphans(sorted(running), str(err), on_event)
            raise

    def _fail_orphans(self, numbers: list[int], why: str, on_event: Callable[[object], None]) -> None:
        """The study process died with these trials running: fail them in storage now (their owner is
        dead, so the stale check takes them at once and queues each for one retry) and say so, rather
        than leave their rows running until some later run notices."""
        from tinynas_tui.core import figures
        from tinynas_tui.search.heartbeat import fail_stale_trials

        run = self._require()
        storage, study_id = run.storage, run.study._study_id
        try:
            for number in numbers:  # why, recorded while the trial may still take it (it is RUNNING)
                trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, number)
                if not storage.get_trial(trial_id).state.is_finished():
                    storage.set_trial_user_attr(trial_id, figures.FAIL_STAGE, "executor")
                    storage.set_trial_user_attr(trial_id, figures.FAIL_REASON, why)
            failed = set(fail_stale_trials(run.study))
        except Exception:  # noqa: BLE001 - the storage may be what failed; the error is reported anyway
            failed = set()
        for number in numbers:
            queued = "; its parameters are queued again once" if number in failed else ""
            on_event(TrialFailed(number, "executor", f"{why}{queued}"))

    def extend(self, n_trials: int) -> bool:
        """Add ``n_trials`` to the run in progress; False if none is in progress (start a run instead)."""
        return self._process is not None and self._process.extend(n_trials)

    def request_pause(self) -> None:
        if self._process is not None:
            self._process.request_pause()

    def abort(self) -> None:
        if self._process is not None:
            self._process.abort()

    def new_study(self, space: SearchSpace, pipeline: PipelineConfig) -> tuple[EngineInfo, list[TrialRecord]]:
        """Start a fresh study with this definition in the same storage; the current one stays resumable.

        It is named after the current one and what changed (`tinynas_tui.core.study_names`)."""
        import optuna

        run = self._require()
        old_pipeline = PipelineConfig.from_dict(run.definition.pipeline)
        base = edited_name(run.study_name, changes(run.definition.space, space, old_pipeline, pipeline))
        name = free_name(base if base != run.study_name else f"{base}-2", optuna.get_all_study_names(run.storage))
        validated = replace(
            self.validated, options=replace(self.validated.options, study=name), space=space, pipeline=pipeline,
            dataset=DatasetSpec.from_dict(run.definition.dataset), budgets=run.budgets, latency=run.latency,
            sampler=studies.stored_sampler(run.study))
        opened = open_run(validated, storage=run.storage)
        self.validated = validated
        self._attach(opened)
        return self.info(), self._read_all()

    def list_studies(self, weights: Weights) -> list[StudySummary]:
        """Every study of the storage (grouped queries: no trial is read one by one)."""
        from tinynas_tui.search.study_list import list_studies

        return list_studies(self._require().storage, weights)

    def open_study(self, name: str) -> tuple[EngineInfo, list[TrialRecord]]:
        """Re-attach to the existing study ``name`` of the same storage, with its stored definition (as
        `open` resumes one); the study left stays resumable, and its process is closed."""
        run = self._require()
        # Only the study's own definition: what the command line gave was for the study it opened.
        validated = replace(self.validated, options=replace(self.validated.options, study=name), space=None,
                            pipeline=None, dataset=None, budgets=None, latency=None, sampler=None)
        opened = open_run(validated, storage=run.storage, join_existing=True)
        self.validated = validated
        self._attach(opened)
        return self.info(), self._read_all()

    def save_ranking(self, weights: Weights, budgets: Budgets) -> None:
        from tinynas_tui.search.ranking_attrs import store_ranking

        store_ranking(self._require().study, weights, budgets)

    def apply_budgets(self, budgets: Budgets) -> EngineInfo:
        """Store ``budgets`` as the study's own and tell a study process that runs (its next trials use
        them); one started later, a headless run or a worker reads them from the storage."""
        from tinynas_tui.search.ranking_attrs import apply_budgets

        run = self._require()
        apply_budgets(run.study, budgets)
        run.definition = replace(run.definition, budgets=budgets.to_dict())
        # The stored budgets are the study's now: a study process opened later must not be refused for
        # the command line's (older) ones.
        self.validated = replace(self.validated, budgets=None)
        run.validated = self.validated
        if self._process is not None and self._process.alive:
            self._process.set_budgets(budgets.to_dict())
        return self.info()

    def plan_export(self, numbers: tuple[int, ...], folder: str, formats: tuple[str, ...], weights: Any,
                    budgets: Any) -> Any:
        """What exporting these trials would write, skip and overwrite (nothing is written yet), ranked
        with the UI's weights and budgets (the files say so where those are not the study's)."""
        from pathlib import Path

        from tinynas_tui.export.plan import plan_export

        run = self._require()
        return plan_export(run.study, run.artifact_store, list(numbers), Path(folder), formats, weights,
                           budgets=budgets, storage_url=run.validated.target.url)

    def write_export(self, plan: Any, force: bool) -> list[Any]:
        from tinynas_tui.export.write import write_export

        return write_export(plan, force=force)

    def importance(self, weights: Any) -> Any:
        """Parameter importance per objective and for the score under ``weights`` (`ImportanceReport`)."""
        from tinynas_tui.search.importance import param_importances

        return param_importances(self._require().study, weights)

    def close(self) -> None:
        if self._process is not None:
            self._process.close()
            self._process = None

    def _require(self) -> OpenRun:
        if self._run is None:
            raise RuntimeError("the engine is not open")
        return self._run

