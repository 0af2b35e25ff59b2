"""How a trial's figures are split between Optuna's user attributes and its system attributes.

Optuna-dashboard shows every user attribute as a column of its trial table, and a cell grows to hold
its whole value: a 600-character layer summary made every row ~780 px tall. So a user attribute holds
at most `MAX_SHOWN` characters, as the dashboard shows it (text as it is, anything else as JSON). A
longer figure is stored whole as the system attribute ``tinynas:NAME`` (the dashboard lists no system
attributes; Optuna keeps its own constraints and artifact records there too), and its user attribute
holds a short form: text cut with "…", the layers as one line (`layers_line`), nothing for other
structures. `merged` puts the whole figures back; every reader of stored figures goes through it, so a
study made before this split (whole figures in user attributes) reads the same.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from tinynas_tui.core import figures

MAX_SHOWN = 120
"""Characters of a user attribute as the dashboard shows it: a few lines of its narrow table column
(the 600-character summary was ~30 lines there); what needs more is detail, read in the detail view."""
PREFIX = "tinynas:"
"""System attributes holding a whole figure whose user attribute is a short form (or absent)."""

# Short names of Keras layer types in the one-line layer summary.
_SHORT_TYPES = {
    "Conv2D": "conv", "SeparableConv2D": "sepconv", "DepthwiseConv2D": "dwconv", "Dense": "dense",
    "MaxPooling2D": "maxpool", "AveragePooling2D": "avgpool", "GlobalAveragePooling2D": "gap",
    "GlobalMaxPooling2D": "gmp", "BatchNormalization": "bn", "ReLU": "relu", "Flatten": "flatten",
    "Dropout": "dropout", "Reshape": "reshape",
}
_WITH_WIDTH = {"conv", "sepconv", "dense"}  # shown with their output channels or units: conv/16


def shown(value: Any) -> str:
    """A user attribute as optuna-dashboard shows it: text as it is, a number by ``str``, else JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, default=str)


def layers_line(rows: list[dict[str, Any]], limit: int = MAX_SHOWN) -> str:
    """The layer summary as one line, e.g. ``conv/16 → maxpool → flatten → dense/64 → dropout → dense/10``.

    Cut to ``limit`` characters with the layer count (``… (44 layers)``) when the model is longer.
    """
    parts = []
    for row in rows:
        kind = str(row.get("type", "?"))
        short = _SHORT_TYPES.get(kind, kind.lower())
        shape = row.get("output_shape") or []
        if short in _WITH_WIDTH and shape and isinstance(shape[-1], int):
            short = f"{short}/{shape[-1]}"
        parts.append(short)
    line = " → ".join(parts)
    if len(line) <= limit:
        return line
    tail = f"… ({len(rows)} layers)"
    return line[: limit - len(tail)].rstrip(" →") + tail


def _short_form(name: str, value: Any) -> Any:
    """What the user attribute holds for a figure too long to show, or None for nothing."""
    if isinstance(value, str):
        return value[: MAX_SHOWN - 1] + "…"
    if name == figures.LAYERS and isinstance(value, list):
        return layers_line(value)
    return None


def split(attrs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(user attributes, system attributes) to record ``attrs`` with; see the module's docstring."""
    user: dict[str, Any] = {}
    system: dict[str, Any] = {}
    for name, value in attrs.items():
        if len(shown(value)) <= MAX_SHOWN:
            user[name] = value
            continue
        system[PREFIX + name] = value
        short = _short_form(name, value)
        if short is not None:
            user[name] = short
    return user, system


def merged(user_attrs: Mapping[str, Any], system_attrs: Mapping[str, Any] | None) -> dict[str, Any]:
    """A trial's whole figures: its user attributes with the whole form of those stored as system ones."""
    out = dict(user_attrs)
    for key, value in (system_attrs or {}).items():
        if key.startswith(PREFIX) and value is not None:  # None: cleared by a later, short write
            out[key[len(PREFIX):]] = value
    return out


def of_trial(trial: Any) -> dict[str, Any]:
    """The whole figures of an Optuna `FrozenTrial` (or anything with ``user_attrs`` and ``system_attrs``)."""
    return merged(trial.user_attrs, getattr(trial, "system_attrs", None))
