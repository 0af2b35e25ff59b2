"""Drives an Optuna study whose trials run elsewhere, through one executor per parallel job.

The runner asks Optuna for parameters, hands them to an executor, and records what comes back:
objectives, every other figure as user attributes, and the trial's files in the artifact store. It knows
nothing of TensorFlow or of any UI; both sides talk to it through callbacks and events.

It runs its own ask-and-tell loop rather than `study.optimize`, because a trial's result can outlive
its claim on the trial: when this process was stopped past the heartbeat grace period, another process
has already failed the trial and queued its parameters again. Such a result is reported as lost and
the study goes on; `optimize` would end the whole run with an exception.
"""

from __future__ import annotations

import os
import socket
import threading
import warnings
from typing import Any, Callable, Protocol, Sequence

from tinynas_tui.core import figures, stored_figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.events import TrialFailed, TrialFinished, TrialLost, TrialPruned, TrialStale, TrialStarted
from tinynas_tui.core.seed_repeats import as_repeat_of
from tinynas_tui.core.space import SearchSpace
from tinynas_tui.search import constraints

EventCallback = Callable[[object], None]

# Optuna warns when heartbeats are used outside `optimize`; this loop records them itself (heartbeat.py).
warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with Study.optimize")


class TrialExecutor(Protocol):
    """Runs one trial somewhere and reports progress events while it runs."""

    def run(self, number: int, params: dict[str, Any], on_event: EventCallback) -> TrialFinished | TrialFailed | TrialPruned:
        ...


class TrialFailedError(Exception):
    """A trial ended without a result; Optuna records it as FAIL and the study goes on."""


class TrialLoop:
    """Runs trials of one study until the count is reached or a stop is requested.

    Args:
        study: The Optuna study (already created or resumed).
        space: The study's search space.
        executor: Where trials run: one executor, or several to run that many trials at once.
        artifact_store: Optuna artifact store for each complete trial's files.
        on_event: Receives every progress event (called from the thread running that trial).
        on_recorded: Receives each trial's `FrozenTrial` once the storage holds its final state.
        budgets: The study's hardware budgets, recorded on each trial as Optuna constraints; may be
            replaced while a run is in progress (`budgets` as a trial starts is what it is recorded under).
        screen: The pipeline screens candidates (multi-fidelity): each trial is given what earlier
            screens measured (`tinynas_tui.search.screen_peers`).
    """

    def __init__(
        self,
        study: Any,
        space: SearchSpace,
        executor: TrialExecutor | Sequence[TrialExecutor],
        artifact_store: Any,
        on_event: EventCallback | None = None,
        on_recorded: Callable[[Any], None] | None = None,
        budgets: Budgets | None = None,
        screen: bool = False,
    ) -> None:
        self.study = study
        self.space = space
        self.executors = list(executor) if isinstance(executor, (list, tuple)) else [executor]
        self.artifact_store = artifact_store
        self.on_event = on_event or (lambda event: None)
        self.on_recorded = on_recorded or (lambda trial: None)
        self.budgets = budgets or Budgets()
        self.screen = screen
        # Set from any thread (the UI, a signal handler): no new trial starts once it is set.
        self.stop_requested = threading.Event()
        # Guards the run's count: how many trials are left to start, how many run, whether it takes more.
        self._claims = threading.Condition()
        self._to_start = 0
        self._running = 0
        self._open = False
        self.extended = 0
        """Trials `extend` added to the run in progress (or the last run)."""
        self.left_running: list[tuple[int, str]] = []
        """Trials the storage would not let this run mark FAIL as it ended (number, the storage's words)."""

    def run(self, n_trials: int) -> None:
        """Run ``n_trials`` more trials (fewer if a stop is requested or a grid is used up).

        With several executors, that many trials run at once, each on its own thread; an error in one
        job stops the others from starting new trials and is raised here once all have ended.
        """
        with self._claims:
            self._to_start, self._running, self._open, self.extended = n_trials, 0, True, 0
        try:
            self._run_jobs()
        finally:
            with self._claims:
                self._open = False

    def extend(self, n_trials: int) -> bool:
        """Add ``n_trials`` to the run in progress, from any thread: True if the run takes them (it ends
        once they too have run); False if no run is in progress or it is ending (the count was reached
        with no trial running, or a stop was requested), so that the caller starts another run instead."""
        with self._claims:
            if not self._open or self.stop_requested.is_set():
                return False
            self._to_start += n_trials
            self.extended += n_trials
            self._claims.notify_all()
            return True

    def _run_jobs(self) -> None:
        if len(self.executors) == 1:
            self._job(self.executors[0])
            return
        errors: list[BaseException] = []
        threads = [threading.Thread(target=self._job_collecting, args=(ex, errors), name=f"trial-job-{i}")
                   for i, ex in enumerate(self.executors)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                t.join()
        except KeyboardInterrupt:
            self.stop_requested.set()
            for ex in self.executors:
                ex.abort("interrupted by the user")
            for t in threads:
                t.join()
            raise
        if errors:
            raise errors[0]

    def _job_collecting(self, executor: TrialExecutor, errors: list[BaseException]) -> None:
        try:
            self._job(executor)
        except BaseException as err:  # noqa: BLE001 - handed to the thread that called run()
            self.stop_requested.set()
            errors.append(err)

    def _claim(self, release: bool) -> bool:
        """Take the next trial to start (after ending this job's last one, if ``release``).

        A job with nothing left to start waits while another job's trial runs, since `extend` may still
        add trials; the run ends once none is left to start and none runs (or a stop is requested).
        """
        with self._claims:
            if release:
                self._running -= 1
                self._claims.notify_all()
            while not self.stop_requested.is_set():
                if self._to_start > 0:
                    self._to_start -= 1
                    self._running += 1
                    return True
                if self._running == 0:
                    self._open = False  # no trial runs that could be followed by more: the run is over
                    self._claims.notify_all()
                    return False
                self._claims.wait()
            return False

    def _release(self) -> None:
        with self._claims:
            self._running -= 1
            self._claims.notify_all()

    def _job(self, executor: TrialExecutor) -> None:
        from tinynas_tui.search.heartbeat import fail_stale_trials
        from tinynas_tui.search.study import queued_count, stored_sampler

        grid = stored_sampler(self.study) == "grid"
        claimed = False
        try:
            while claimed := self._claim(release=claimed):
                for number in fail_stale_trials(self.study):
                    self.on_event(TrialStale(number))
                if grid and queued_count(self.study) == 0:
                    return  # every distinct model has run, and every seed repeat queued after them
                frozen = self._run_one(executor)
                if frozen is not None:
                    self.on_recorded(frozen)
        except BaseException:
            self.stop_requested.set()  # an error ends the run: no job starts another trial
            raise
        finally:
            if claimed:
                self._release()

    def _run_one(self, executor: TrialExecutor) -> Any:
        """Ask, run, tell; the trial as stored, or None when its result was lost."""
        import optuna
        from optuna.exceptions import UpdateFinishedTrialError
        from optuna.trial import TrialState

        from tinynas_tui.search.heartbeat import TrialHeartbeat
        from tinynas_tui.search.owner import record_owner

        trial = self.study.ask()
        values = None
        try:
            record_owner(self.study._storage, trial._trial_id)  # so a run on this machine sees it die
            with TrialHeartbeat(self.study._storage, trial._trial_id):
                try:
                    values = self._objective(trial, executor)
                    state = TrialState.COMPLETE
                except optuna.TrialPruned:
                    state = TrialState.PRUNED
                except TrialFailedError:
                    state = TrialState.FAIL
                except UpdateFinishedTrialError:
                    return self._lost(trial, self.study._storage.get_trial(trial._trial_id))
            return self._tell(trial, values, state)
        except BaseException as err:
            self._give_up(trial, err)
            raise

    def _give_up(self, trial: Any, err: BaseException) -> None:
        """Mark ``trial`` FAIL as the run ends by ``err`` (a signal, a storage error); if the storage will not
        take even that, the trial is remembered in `left_running`, so the run's last line can say so."""
        from optuna.exceptions import UpdateFinishedTrialError
        from optuna.trial import TrialState

        from tinynas_tui.search.storage import failure_line

        try:
            if isinstance(err, KeyboardInterrupt):
                set_user_attrs(trial, {figures.FAIL_STAGE: "interrupted", figures.FAIL_REASON: "interrupted by the user"})
            self.study.tell(trial, None, state=TrialState.FAIL, skip_if_finished=True)
        except UpdateFinishedTrialError:
            pass  # finished already (told, or failed as stale by another process): nothing is left running
        except Exception as why:  # noqa: BLE001 - the run is ending for ``err``; this one is only reported
            lines = str(why).strip().splitlines() or [type(why).__name__]
            self.left_running.append((trial.number, failure_line(why) or lines[0]))

    def _tell(self, trial: Any, values: Any, state: Any) -> Any:
        stored = self.study._storage.get_trial(trial._trial_id)
        if stored.state.is_finished():
            return self._lost(trial, stored)
        # Optuna itself may record FAIL instead (e.g. a NaN objective), so the stored trial is returned.
        return self.study.tell(trial, values, state=state, skip_if_finished=True)

    def _lost(self, trial: Any, stored: Any) -> None:
        reason = (f"trial {trial.number} was already {stored.state.name} in the storage (no heartbeat within "
                  "the grace period, e.g. this process was stopped); its parameters are queued again")
        self.on_event(TrialLost(trial.number, reason))
        return None

    def _objective(self, trial: Any, executor: TrialExecutor) -> tuple[float, float, float]:
        params = self.space.suggest(trial)
        budgets = self.budgets  # as the trial starts: budgets set while it runs are for later trials
        # Which machine and process ran it: several workers may share one study.
        trial.set_user_attr(figures.WORKER_HOST, f"{socket.gethostname()}:{os.getpid()}")
        self.on_event(TrialStarted(trial.number, params, as_repeat_of(trial.user_attrs.get(figures.REPEAT_OF))))
        extra = {}
        if self.screen:
            from tinynas_tui.search.screen_peers import screen_peers

            extra["screen_peers"] = screen_peers(self.study)
        try:
            outcome = executor.run(trial.number, params, self.on_event, **extra)
        except Exception as err:  # the executor itself failed: record why, then let the caller decide
            set_user_attrs(trial, {figures.FAIL_STAGE: "executor", figures.FAIL_REASON: str(err)[:500]})
            raise
        self.on_event(outcome)
        if isinstance(outcome, TrialPruned):
            import optuna

            set_user_attrs(trial, {**outcome.metrics, figures.PRUNE_STAGE: outcome.stage, figures.PRUNE_REASON: outcome.reason})
            raise optuna.TrialPruned(f"{outcome.stage}: {outcome.reason}")
        if isinstance(outcome, TrialFailed):
            set_user_attrs(trial, {figures.FAIL_STAGE: outcome.stage, figures.FAIL_REASON: outcome.reason})
            raise TrialFailedError(f"{outcome.stage}: {outcome.reason}")
        set_user_attrs(trial, {**outcome.metrics, figures.ARTIFACTS: self._store_artifacts(trial, outcome.artifacts)})
        arena = outcome.metrics.get(figures.ARENA_BYTES)
        constraints.record(trial, budgets.constraints(
            outcome.size_kb, None if arena is None else arena / 1024, outcome.latency_ms))
        return outcome.accuracy, outcome.size_kb, outcome.latency_ms

    def _store_artifacts(self, trial: Any, files: dict[str, str]) -> dict[str, str]:
        from optuna.artifacts import upload_artifact

        ids = {}
        for name, path in files.items():
            ids[name] = upload_artifact(
                artifact_store=self.artifact_store, file_path=path, study_or_trial=trial
            )
            os.remove(path)  # the store holds its own copy
        return ids


def set_user_attrs(trial: Any, attrs: dict[str, Any]) -> None:
    """Record a running trial's figures: as user attributes, in one transaction where the storage can,
    except that a figure too long to show in a table is stored whole as a system attribute and its user
    attribute holds a short form (`tinynas_tui.core.stored_figures`)."""
    attrs, whole = stored_figures.split(attrs)
    stored = trial._cached_frozen_trial.system_attrs
    # A figure written whole before and short now: its whole form is cleared (None reads as absent).
    whole.update({key: None for key in map(stored_figures.PREFIX.__add__, attrs) if stored.get(key) is not None})
    storage = trial.storage
    for key, value in whole.items():  # a few per trial (the layers, the costliest operators)
        storage.set_trial_system_attr(trial._trial_id, key, value)
        stored[key] = value
    backend = getattr(storage, "_backend", storage)  # Optuna wraps RDB storages in a cache
    write_all = getattr(backend, "set_trial_user_attrs", None)
    if write_all is None:
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        return
    write_all(trial._trial_id, attrs)
    trial._cached_frozen_trial.user_attrs.update(attrs)  # as Trial.set_user_attr keeps it
