"""Axis scales for the text plots (the UI's Pareto view and the export report): ranges and round ticks.

Pure Python, so both the Textual widget and the TensorFlow-free exporter can use it.
"""

from __future__ import annotations

import math


def padded_range(values: list[float], fraction: float = 0.06) -> tuple[float, float]:
    """The span of `values` widened a little on each side; never empty, even for one value."""
    low, high = min(values), max(values)
    pad = (high - low) * fraction
    if pad <= 0:
        pad = abs(low) * 0.05 or 0.5
    return low - pad, high + pad


def nice_ticks(low: float, high: float, wanted: int, minimum: int = 3) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten apart) inside ``[low, high]``.

    Asks for about `wanted` ticks and tightens the step until there are at least `minimum`.
    """
    ticks: list[float] = []
    for count in range(max(wanted, 2), max(wanted, 2) + 12):
        raw_step = (high - low) / (count - 1)
        magnitude = 10 ** math.floor(math.log10(raw_step))
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step * (1 - 1e-9))
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        ticks = [i * step for i in range(first, last + 1)]
        if len(ticks) >= minimum:
            break
    return ticks or [(low + high) / 2]


def tick_label(value: float, step: float) -> str:
    """`value` with just enough decimals to tell ticks `step` apart."""
    decimals = next((d for d in range(5) if abs(round(step, d) - step) <= step * 1e-6), 4)
    return f"{value:.{decimals}f}"
