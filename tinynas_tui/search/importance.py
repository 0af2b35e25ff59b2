"""Which parameters decide each objective: Optuna's importance evaluator, per objective and the score.

Optuna 5's default evaluator, PED-ANOVA, measures what sets the best 10 % of the trials apart, and
"best" is always the *lowest* ``target`` (it warns that it assumes minimisation once a target is given).
So an objective the study maximises (accuracy) and the score are negated here, or the view would name
what makes the accuracy low. It handles conditional parameters (a `blocks` space's ``dense_units``
exists only with ``n_dense > 0``) by regime, so every parameter seen in a complete trial is ranked.

Blocking (it reads every complete trial): call it from a thread.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

from tinynas_tui.core.figures import DIRECTIONS, OBJECTIVES
from tinynas_tui.core.importance import (
    MIN_TRIALS,
    ImportanceReport,
    ObjectiveImportance,
    too_few_note,
)
from tinynas_tui.core.scoring import Weights

EVALUATOR = "PED-ANOVA (Optuna's default): what sets the best 10 % of the trials apart"


def _lower_is_better(index: int, direction: str) -> Callable[[Any], float]:
    """The target for PED-ANOVA (lower is better) of objective ``index``: negated when maximised."""
    if direction == "maximize":
        return lambda t: -t.values[index]
    return lambda t: t.values[index]


def targets(weights: Weights, directions: tuple[str, ...] = DIRECTIONS) -> dict[str, Callable[[Any], float]]:
    """Each objective's target (and the score's, under ``weights``), lower being better."""
    out = {name: _lower_is_better(i, d) for i, (name, d) in enumerate(zip(OBJECTIVES, directions))}
    out["score"] = lambda t: -weights.score(*t.values)  # a score is maximised
    return out


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _varied_params(trials: list[Any]) -> tuple[list[str], list[str]]:
    """(parameters with two or more values, parameters with one value) among ``trials``, sorted."""
    seen: dict[str, set] = {}
    for t in trials:
        for name, value in t.params.items():
            seen.setdefault(name, set()).add(repr(value))
    varied = sorted(n for n, values in seen.items() if len(values) > 1)
    return varied, sorted(n for n, values in seen.items() if len(values) == 1)


def param_importances(study: Any, weights: Weights, min_trials: int = MIN_TRIALS,
                      evaluator: Any = None) -> ImportanceReport:
    """Parameter importance of ``study``'s complete trials, per objective and for the score.

    Args:
        study: An Optuna study with the three objectives of `figures.OBJECTIVES`.
        weights: The score's weights (the UI's current ones).
        min_trials: Complete trials below which nothing is computed.
        evaluator: An Optuna importance evaluator; None: Optuna's default (PED-ANOVA).

    Returns:
        Plain data: no exception escapes for one objective (its ``note`` says what failed).
    """
    import optuna
    from optuna.trial import TrialState

    name = EVALUATOR if evaluator is None else type(evaluator).__name__
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if t.values is not None and len(t.values) == len(OBJECTIVES)]
    if len(complete) < min_trials:
        return ImportanceReport(name, len(complete), note=too_few_note(len(complete), min_trials))
    varied, constant = _varied_params(complete)
    if not varied:
        return ImportanceReport(name, len(complete), constant=tuple(constant),
                                note="every parameter took one value in every complete trial")
    # One read of the storage, not one per objective (a large RDB study reads slowly): an in-memory copy.
    copy = optuna.create_study(directions=[d for d in study.directions])
    copy.add_trials(complete)
    directions = tuple(d.name.lower() for d in study.directions)
    out = []
    for objective, target in targets(weights, directions).items():
        usable = [t for t in complete if _finite(target(t))]
        if len(usable) < min_trials:
            out.append(ObjectiveImportance(objective, len(usable), note=too_few_note(len(usable), min_trials)))
            continue
        params = [p for p in varied if any(p in t.params for t in usable)]
        try:
            with warnings.catch_warnings():
                # "assumes lower target is better" (handled above) and small-regime notes: the counts say it.
                warnings.simplefilter("ignore")
                ranked = optuna.importance.get_param_importances(copy, evaluator=evaluator, params=params,
                                                                 target=target)
        except Exception as err:  # noqa: BLE001 - one objective's failure must not hide the others
            out.append(ObjectiveImportance(objective, len(usable), note=f"failed: {type(err).__name__}: {err}"))
            continue
        pairs = tuple(sorted(((p, float(v)) for p, v in ranked.items()), key=lambda pv: (-pv[1], pv[0])))
        out.append(ObjectiveImportance(objective, len(usable), pairs))
    return ImportanceReport(name, len(complete), tuple(out), tuple(constant))
