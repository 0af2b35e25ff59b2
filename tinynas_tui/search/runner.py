"""Drives an Optuna study whose trials run elsewhere, through an executor.

The runner samples parameters, hands them to the executor, and records what comes back: objectives,
every other figure as user attributes, and the trial's files in the artifact store. It knows nothing
of TensorFlow or of any UI; both sides talk to it through callbacks and events.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Protocol

from tinynas_tui.search.budgets import Budgets
from tinynas_tui.search.events import TrialFailed, TrialFinished, TrialPruned, TrialStarted
from tinynas_tui.search.space import SearchSpace

EventCallback = Callable[[object], None]


class TrialExecutor(Protocol):
    """Runs one trial somewhere and reports progress events while it runs."""

    def run(self, number: int, params: dict[str, Any], on_event: EventCallback) -> TrialFinished | TrialFailed | TrialPruned:
        ...


class TrialFailedError(Exception):
    """A trial ended without a result; Optuna records it as FAIL and the study goes on."""


class StudyRunner:
    """Runs trials of one study until the count is reached or a stop is requested.

    Args:
        study: The Optuna study (already created or resumed).
        space: The study's search space.
        executor: Where trials run.
        artifact_store: Optuna artifact store for each complete trial's files.
        on_event: Receives every progress event (called from the optimizing thread).
        on_recorded: Receives each trial's `FrozenTrial` once the storage holds its final state.
        budgets: The study's hardware budgets, recorded on each trial as Optuna constraints.
    """

    def __init__(
        self,
        study: Any,
        space: SearchSpace,
        executor: TrialExecutor,
        artifact_store: Any,
        on_event: EventCallback | None = None,
        on_recorded: Callable[[Any], None] | None = None,
        budgets: Budgets | None = None,
    ) -> None:
        self.study = study
        self.space = space
        self.executor = executor
        self.artifact_store = artifact_store
        self.on_event = on_event or (lambda event: None)
        self.on_recorded = on_recorded or (lambda trial: None)
        self.budgets = budgets or Budgets()
        # study.stop() only works from the optimizing thread, so other threads set this instead.
        self.stop_requested = threading.Event()

    def run(self, n_trials: int) -> None:
        """Run ``n_trials`` more trials (fewer if a stop is requested)."""
        self.study.optimize(
            self._objective,
            n_trials=n_trials,
            catch=(TrialFailedError,),
            callbacks=[self._after_trial],
        )

    def _after_trial(self, study: Any, trial: Any) -> None:
        from tinynas_tui.search.study import grid_remaining, stored_sampler

        self.on_recorded(trial)
        if self.stop_requested.is_set():
            study.stop()
        elif stored_sampler(study) == "grid" and grid_remaining(study) == 0:
            study.stop()  # every distinct model has run

    def _objective(self, trial: Any) -> tuple[float, float, float]:
        params = self.space.suggest(trial)
        self.on_event(TrialStarted(trial.number, params))
        try:
            outcome = self.executor.run(trial.number, params, self.on_event)
        except KeyboardInterrupt:
            trial.set_user_attr("fail_stage", "interrupted")
            trial.set_user_attr("fail_reason", "interrupted by the user")
            raise
        except Exception as err:  # the executor itself failed: record why, then let the caller decide
            trial.set_user_attr("fail_stage", "executor")
            trial.set_user_attr("fail_reason", str(err)[:500])
            raise
        self.on_event(outcome)
        if isinstance(outcome, TrialPruned):
            import optuna

            for key, value in outcome.metrics.items():
                trial.set_user_attr(key, value)
            trial.set_user_attr("prune_stage", outcome.stage)
            trial.set_user_attr("prune_reason", outcome.reason)
            raise optuna.TrialPruned(f"{outcome.stage}: {outcome.reason}")
        if isinstance(outcome, TrialFailed):
            trial.set_user_attr("fail_stage", outcome.stage)
            trial.set_user_attr("fail_reason", outcome.reason)
            raise TrialFailedError(f"{outcome.stage}: {outcome.reason}")
        for key, value in outcome.metrics.items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("artifacts", self._store_artifacts(trial, outcome.artifacts))
        arena = outcome.metrics.get("arena_bytes")
        for key, value in self.budgets.constraints(
            outcome.size_kb, None if arena is None else arena / 1024, outcome.latency_ms
        ).items():
            trial.set_constraint(key, value)
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
