"""What the UI ranked a study by, stored with it, and budgets applied to a study's new trials.

The weights and budgets the user last set in the UI are study user attributes (``ui_weights``,
``ui_budgets``): they rank the table, nothing else, and come back when the study is opened again. Budgets
*applied* to a study replace its ``budgets`` attribute, the one its trials' constraints and pre-flight
skip use (`tinynas_tui.run.setup.open_run` reads it for every run, worker and study process).
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights

WEIGHTS_ATTR = "ui_weights"
BUDGETS_ATTR = "ui_budgets"
STUDY_BUDGETS_ATTR = "budgets"


def stored_ranking(attrs: dict[str, Any]) -> tuple[Weights | None, Budgets | None]:
    """The weights and budgets stored by the UI (None for either not stored, or unreadable)."""
    weights = budgets = None
    try:
        raw = attrs.get(WEIGHTS_ATTR)
        if isinstance(raw, dict):
            weights = Weights(float(raw["accuracy"]), float(raw["size_kb"]), float(raw["latency_ms"]))
            Weights.parse(weights.as_text())  # the same checks as --weights
    except Exception:  # noqa: BLE001 - written by hand or by another version: ignored, the UI's own stand
        weights = None
    try:
        raw = attrs.get(BUDGETS_ATTR)
        if isinstance(raw, dict):
            budgets = Budgets.from_dict({k: float(v) for k, v in raw.items()})
    except Exception:  # noqa: BLE001 - as above
        budgets = None
    return weights, budgets


def store_ranking(study: Any, weights: Weights, budgets: Budgets) -> None:
    """Store what the UI ranks ``study`` by now."""
    study.set_user_attr(WEIGHTS_ATTR, {"accuracy": weights.accuracy, "size_kb": weights.size_kb,
                                       "latency_ms": weights.latency_ms})
    study.set_user_attr(BUDGETS_ATTR, budgets.to_dict())


def apply_budgets(study: Any, budgets: Budgets) -> None:
    """Make ``budgets`` the study's own: its new trials are checked against them (constraint, pre-flight)."""
    study.set_user_attr(STUDY_BUDGETS_ATTR, budgets.to_dict())
