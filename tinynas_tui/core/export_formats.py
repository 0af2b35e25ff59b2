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
