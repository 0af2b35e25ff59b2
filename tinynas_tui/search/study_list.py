"""Every study of a storage in one line each (`StudySummary`): trial counts, best accuracy and score,
and the hypervolume.

Optuna's `get_all_study_summaries` reads every trial of every study (~90 s for 50,000 trials), so on an
RDB storage four queries give the lines instead: study names, the attributes the lines need (definition
names, the hypervolume reference), trial counts by state, and the objective values of every complete
trial, from which the bests and the hypervolume are computed here (50 studies of 1,000 trials in well
under a second). Other storages are read through Optuna.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tinynas_tui.core import hypervolume
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.study_summary import StudySummary

_ATTRS = ("space", "dataset", hypervolume.ATTR, "budgets", "latency")
"""The study attributes a line needs: its labels, and its hypervolume reference (`stored_or_derived`)."""


def list_studies(storage: Any, weights: Weights) -> list[StudySummary]:
    """Every study of ``storage``, by name, its best score under ``weights``."""
    from tinynas_tui.search.trial_reader import can_read

    rows = _read_rdb(storage, weights) if can_read(storage) else _read_optuna(storage, weights)
    return sorted(rows, key=lambda s: s.name)


def _labels(attrs: dict[str, Any]) -> tuple[str, str]:
    space, dataset = attrs.get("space"), attrs.get("dataset")
    space_name = space.get("name", "?") if isinstance(space, dict) else "?"
    dataset_name = dataset.get("name", "?") if isinstance(dataset, dict) else "?"
    return str(space_name), str(dataset_name).rsplit("/", 1)[-1]


def _read_rdb(storage: Any, weights: Weights) -> list[StudySummary]:
    from optuna.storages._rdb import models
    from sqlalchemy import String, func, select, type_coerce

    from tinynas_tui.search.trial_reader import _rows

    studies_t = models.StudyModel.__table__
    attrs_t = models.StudyUserAttributeModel.__table__
    trials_t = models.TrialModel.__table__
    values_t = models.TrialValueModel.__table__
    acc, size, lat = (values_t.alias(f"v{i}") for i in range(3))
    state = type_coerce(trials_t.c.state, String)
    complete_values = (
        select(trials_t.c.study_id, acc.c.value, size.c.value, lat.c.value)
        .select_from(trials_t
                     .join(acc, (acc.c.trial_id == trials_t.c.trial_id) & (acc.c.objective == 0))
                     .join(size, (size.c.trial_id == trials_t.c.trial_id) & (size.c.objective == 1))
                     .join(lat, (lat.c.trial_id == trials_t.c.trial_id) & (lat.c.objective == 2)))
        .where(state == "COMPLETE"))
    with storage.engine.connect() as conn:
        names = _rows(conn, select(studies_t.c.study_id, studies_t.c.study_name))
        attrs = _rows(conn, select(attrs_t.c.study_id, attrs_t.c.key, attrs_t.c.value_json)
                      .where(attrs_t.c.key.in_(_ATTRS)))
        counts = _rows(conn, select(trials_t.c.study_id, state, func.count())
                       .group_by(trials_t.c.study_id, trials_t.c.state))
        values = _rows(conn, complete_values)
    attrs_by: dict[int, dict[str, Any]] = {}
    for study_id, key, value_json in attrs:
        try:
            attrs_by.setdefault(study_id, {})[key] = json.loads(value_json)
        except ValueError:
            pass  # not ours: shown as "?"
    counts_by: dict[int, dict[str, int]] = {}
    for study_id, state_name, count in counts:
        counts_by.setdefault(study_id, {})[state_name] = count
    values_by: dict[int, list[tuple[float, float, float]]] = {}
    for study_id, *objectives in values:
        if None not in objectives:  # an infinite value is stored as NULL: no accuracy, score or volume
            values_by.setdefault(study_id, []).append(tuple(objectives))  # type: ignore[arg-type]
    out = []
    for study_id, name in names:
        by_state = counts_by.get(study_id, {})
        study_attrs = attrs_by.get(study_id, {})
        space, dataset = _labels(study_attrs)
        out.append(StudySummary(name, by_state.get("COMPLETE", 0), sum(by_state.values()), by_state.get("RUNNING", 0),
                                *_bests(values_by.get(study_id, []), weights, study_attrs), space, dataset))
    return out


def _bests(values: list[tuple[float, float, float]], weights: Weights,
           attrs: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """The best accuracy, best score and hypervolume of a study's complete trials (None without one)."""
    if not values:
        return None, None, None
    return (max(v[0] for v in values), max(weights.score(*v) for v in values),
            hypervolume.of_values(values, hypervolume.stored_or_derived(attrs)))


def _read_optuna(storage: Any, weights: Weights) -> list[StudySummary]:
    from optuna.trial import TrialState

    out = []
    for frozen in storage.get_all_studies():
        trials = storage.get_all_trials(frozen._study_id, deepcopy=False)
        values = [tuple(t.values) for t in trials  # finite, as the RDB read (it stores infinities as NULL)
                  if t.state == TrialState.COMPLETE and t.values and len(t.values) == 3
                  and all(map(math.isfinite, t.values))]
        space, dataset = _labels(frozen.user_attrs)
        out.append(StudySummary(
            frozen.study_name, sum(t.state == TrialState.COMPLETE for t in trials), len(trials), sum(t.state == TrialState.RUNNING for t in trials),
            *_bests(values, weights, frozen.user_attrs), space, dataset))
    return out
