"""Creating and resuming studies: objectives, metric names and the definition stored with the study.

An Optuna study needs a fixed space, so the space, pipeline config and dataset it was created with are
stored as study attributes; a resumed study uses them, and a conflicting request is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tinynas_tui.errors import UsageError
from tinynas_tui.search.scoring import TrialMetrics
from tinynas_tui.search.space import SearchSpace

OBJECTIVES = ("accuracy", "size_kb", "latency_ms")
DIRECTIONS = ("maximize", "minimize", "minimize")
DEFINITION_KEYS = ("space", "pipeline", "dataset")


@dataclass(frozen=True)
class StudyDefinition:
    """What fixes a study: the search space, the pipeline config and the dataset spec."""

    space: SearchSpace
    pipeline: dict[str, Any]
    dataset: dict[str, Any]

    def as_attrs(self) -> dict[str, Any]:
        return {"space": self.space.to_dict(), "pipeline": self.pipeline, "dataset": self.dataset}


def default_study_name(dataset_label: str, space_name: str, pipeline_name: str) -> str:
    """e.g. ``mnist-5k-single-conv-quick``."""
    raw = f"{dataset_label}-{space_name}-{pipeline_name}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)


def load_existing(storage: Any, name: str) -> Any | None:
    """The study called ``name`` in ``storage``, or None when there is none."""
    import optuna

    names = {s.study_name for s in optuna.study.get_all_study_summaries(storage, include_best_trial=False)}
    if name not in names:
        return None
    return optuna.load_study(study_name=name, storage=storage, sampler=make_sampler(None))


def stored_definition(study: Any) -> dict[str, Any]:
    """The definition attributes a study was created with (empty dicts if it was not ours)."""
    attrs = study.user_attrs
    return {key: attrs.get(key) or {} for key in DEFINITION_KEYS}


def check_same(study_name: str, key: str, stored: dict[str, Any], wanted: dict[str, Any]) -> None:
    """Refuse to resume ``study_name`` with a different ``key`` than it was created with."""
    if _normal(stored) != _normal(wanted):
        diff = [k for k in sorted(set(stored) | set(wanted)) if _normal(stored.get(k)) != _normal(wanted.get(k))]
        raise UsageError(
            f"study {study_name!r} was created with a different {key} ({', '.join(diff)} differ); "
            f"leave the option out to resume it, or pass --study NEW_NAME"
        )


def _normal(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def make_sampler(seed: int | None) -> Any:
    import optuna

    return optuna.samplers.TPESampler(seed=seed)


def create(storage: Any, name: str, definition: StudyDefinition, seed: int | None = None) -> Any:
    """A new study with our objectives and the definition stored on it."""
    import optuna

    study = optuna.create_study(
        storage=storage, study_name=name, directions=list(DIRECTIONS), sampler=make_sampler(seed)
    )
    study.set_metric_names(list(OBJECTIVES))
    for key, value in definition.as_attrs().items():
        study.set_user_attr(key, value)
    return study


def complete_metrics(study: Any) -> list[TrialMetrics]:
    """The objectives of every complete trial, in trial order."""
    from optuna.trial import TrialState

    out = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        acc, size, lat = t.values
        out.append(TrialMetrics(t.number, acc, size, lat))
    return out
