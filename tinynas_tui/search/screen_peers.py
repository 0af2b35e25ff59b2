"""What earlier candidates' multi-fidelity screens measured, read from the study for the next candidate.

Each screened trial, promoted (COMPLETE) or held back (PRUNED at ``screen``), records the point its screen
compared (`figures.SCREEN_POINT`: validation accuracy, estimated int8 KiB, estimated latency). The next
candidate is judged against all of them (`tinynas_tui.core.fidelity.judge`, in the trial worker). Every
screened candidate reached the screen past the pre-flight, so each fits the budgets it was checked against.
"""

from __future__ import annotations

import math
from typing import Any

from tinynas_tui.core import figures


def screen_peers(study: Any) -> tuple[tuple[float, float, float], ...]:
    """The screen points of the study's finished trials, oldest first."""
    from optuna.trial import TrialState

    points = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)):
        point = trial.user_attrs.get(figures.SCREEN_POINT)
        if isinstance(point, list) and len(point) == 3 and all(_finite(v) for v in point):
            points.append((float(point[0]), float(point[1]), float(point[2])))
    return tuple(points)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
