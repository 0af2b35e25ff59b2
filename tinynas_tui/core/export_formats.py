"""The formats an export can write, with what each holds: the export plans them, the UI offers them."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "tflite": "int8 .tflite (byte-identical to the measured one)",
    "c": "C array + header for TFLite Micro (with the arena size)",
    "keras": ".keras model (when the study kept it)",
    "json": "params.json: params, metrics, pipeline, versions",
    "csv": "CSV of the chosen trials",
    "md": "Markdown report with the Pareto plot",
}
FORMATS = tuple(DESCRIPTIONS)
"""Every format, in writing order."""


def producible_formats(keeps_keras: bool) -> tuple[str, ...]:
    """The formats a study's trials can give: all of them, the ``.keras`` only if the study keeps it
    (its pipeline's ``keep_keras``); an export offers these by default."""
    return tuple(f for f in FORMATS if keeps_keras or f != "keras")
