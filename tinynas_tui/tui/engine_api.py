"""What the app talks to: the `Engine` protocol and the `EngineInfo` it returns.

The real engine (`tinynas_tui.run.engine.OptunaEngine`) implements it, and so do the tests' fakes;
the app imports nothing else outside the UI and the core types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from tinynas_tui.core.boards import LatencyBoard
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.hypervolume import Reference
from tinynas_tui.core.importance import ImportanceReport
from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.space import SearchSpace
from tinynas_tui.core.study_summary import StudySummary
from tinynas_tui.core.trial_record import TrialRecord


@dataclass(frozen=True)
class EngineInfo:
    """What the header and the editors show about the open study."""

    study_name: str
    dataset: str
    sampler: str
    storage: str
    space: SearchSpace
    pipeline: PipelineConfig
    log_path: str | None
    board: LatencyBoard | None = None
    """The board the study's latency is estimated for; None: measured on the host CPU."""
    study_budgets: Budgets = Budgets()
    """The study's own budgets: its trials' constraints and pre-flight skip."""
    saved_weights: Weights | None = None
    """The weights the UI last ranked this study by (stored with it); None: never stored."""
    saved_budgets: Budgets | None = None
    """The budgets the UI last ranked this study by (stored with it); None: never stored."""
    hv_reference: Reference | None = None
    """The study's hypervolume reference (stored with it); None: no figure shown."""
    trains_on: str | None = None
    """Where this run's trial workers train as its options say (`training_device.from_options`); None:
    they do not say, and the first trial this run finishes does."""


class Engine(Protocol):
    """What the app needs from whatever runs the study (the real one, or a fake in tests)."""

    def open(self) -> tuple[EngineInfo, list[TrialRecord]]: ...
    def poll(self) -> list[TrialRecord]: ...
    def read_trial(self, number: int) -> TrialRecord | None: ...
    def read_params(self) -> dict[int, dict[str, Any]]:
        """Every trial's parameters by number (the open reads trials in summary, without them)."""
        ...
    def run(self, n_trials: int, on_event: Callable[[object], None]) -> None: ...
    def confirm(self, top: int, repeats: int, weights: Weights, budgets: Budgets,
                on_event: Callable[[object], None]) -> None:
        """Run the front's ``top`` best trials (ranked by ``weights`` and ``budgets``) again until each
        has ``repeats`` seed repeats, as `run` runs trials; a `ConfirmPlanned` event comes first."""
        ...
    def extend(self, n_trials: int) -> bool:
        """Add trials to the run in progress (it ends once they too have run); False if none is in
        progress, e.g. it has just ended, so the caller starts a run instead."""
        ...
    def request_pause(self) -> None: ...
    def abort(self) -> None: ...
    def new_study(self, space: SearchSpace, pipeline: PipelineConfig) -> tuple[EngineInfo, list[TrialRecord]]: ...
    def plan_export(self, numbers: tuple[int, ...], folder: str, formats: tuple[str, ...], weights: Any,
                    budgets: Any) -> Any:
        """What exporting would write, ranked with the app's weights and budgets (those the table shows)."""
    def write_export(self, plan: Any, force: bool) -> list[Any]: ...
    def list_studies(self, weights: Weights) -> list[StudySummary]:
        """Every study of the storage, its best score under ``weights``."""
        ...
    def open_study(self, name: str) -> tuple[EngineInfo, list[TrialRecord]]:
        """Leave the open study (it stays resumable) for the existing study ``name``."""
        ...
    def save_ranking(self, weights: Weights, budgets: Budgets) -> None:
        """Store with the open study what the UI ranks it by (they come back with `EngineInfo`)."""
        ...
    def apply_budgets(self, budgets: Budgets) -> EngineInfo:
        """Make ``budgets`` the open study's own: its new trials, in a run in progress too, are checked
        against them (pre-flight skip, constraint); trials already run are kept."""
        ...
    def importance(self, weights: Weights) -> ImportanceReport:
        """Parameter importance per objective (and the score under ``weights``) of the complete trials."""
        ...
    def close(self) -> None: ...
