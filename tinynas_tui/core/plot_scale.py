"""Axis scales for the text plots (the UI's Pareto view and the export report): ranges and round ticks.

Pure Python, so both the Textual widget and the export report can use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Collection, Iterable

from tinynas_tui.core.scoring import front_numbers_2d


@dataclass(frozen=True)
class PlotPoint:
    """One complete trial in a plot of accuracy against one cost (size or latency)."""

    number: int
    accuracy: float
    x: float
    on_axes_front: bool
    """Not dominated on the two axes shown (accuracy up, x down): the front the plot's staircase joins."""
    on_front: bool
    """On the study's Pareto front of all three objectives (accuracy, size, latency)."""
    marked: bool = False
    """Drawn over every other point (the report marks the exported trials)."""


def plot_points(trials: Iterable[tuple[int, float, float]], front: Collection[int],
                marked: Collection[int] = ()) -> list[PlotPoint]:
    """The points of ``(number, accuracy, x)`` trials, with the front of these two axes worked out.

    Args:
        trials: One ``(number, accuracy, x)`` per complete trial.
        front: Numbers on the study's 3-objective Pareto front (a point off it can still be on the
            front of the two axes shown, and a point on it can be dominated on them).
        marked: Numbers drawn over the others.
    """
    trials = list(trials)
    axes_front = set(front_numbers_2d((-accuracy, x, number) for number, accuracy, x in trials))
    return [PlotPoint(number, accuracy, x, number in axes_front, number in front, number in marked)
            for number, accuracy, x in trials]


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


@dataclass(frozen=True)
class PlotFrame:
    """Where values land in a text scatter plot: y tick labels in a left margin, x ticks below."""

    x_low: float
    x_high: float
    y_low: float
    y_high: float
    plot_width: int
    plot_height: int
    margin: int
    y_ticks: tuple[float, ...]
    y_labels: tuple[str, ...]

    def row_of(self, value: float) -> int:
        return round((self.y_high - value) / (self.y_high - self.y_low) * (self.plot_height - 1))

    def col_of(self, value: float) -> int:
        return round((value - self.x_low) / (self.x_high - self.x_low) * (self.plot_width - 1))

    def y_label_rows(self) -> dict[int, str]:
        """Row -> tick label, for the rows that carry one."""
        return {self.row_of(v): label for v, label in zip(self.y_ticks, self.y_labels)}

    def x_axis(self, minimum: int, labels_width: int, clamp: bool) -> tuple[list[str], list[str]]:
        """The axis line with tick marks (``└──┬──``) and the tick labels under it, as character lists.

        Args:
            minimum: Fewest x ticks to aim for.
            labels_width: Length of the labels line.
            clamp: Keep a label that would run past ``labels_width`` inside it.
        """
        ticks = nice_ticks(self.x_low, self.x_high, max(2, min(8, self.plot_width // 12)), minimum=minimum)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else (self.x_high - self.x_low)
        axis = [" "] * (self.margin - 1) + ["└"] + ["─"] * self.plot_width
        labels = [" "] * labels_width
        free_from = 0
        for value in ticks:
            col = self.col_of(value)
            if not 0 <= col < self.plot_width:
                continue
            axis[self.margin + col] = "┬"
            text = tick_label(value, step)
            start = max(self.margin + col - len(text) // 2, 0)
            if clamp:
                start = min(start, labels_width - len(text))
            if start >= free_from:
                labels[start:start + len(text)] = text
                free_from = start + len(text) + 1
        return axis, labels


def plot_frame(ys: list[float], xs: list[float], width: int, plot_height: int, y_wanted: int,
               y_minimum: int = 3) -> PlotFrame:
    """Padded ranges, round y ticks and the margin their labels need, for a plot ``width`` wide."""
    y_low, y_high = padded_range(ys)
    x_low, x_high = padded_range(xs)
    y_ticks = nice_ticks(y_low, y_high, y_wanted, minimum=y_minimum)
    y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else (y_high - y_low)
    y_labels = tuple(tick_label(v, y_step) for v in y_ticks)
    margin = max(len(label) for label in y_labels) + 1
    return PlotFrame(x_low, x_high, y_low, y_high, width - margin - 1, plot_height, margin, tuple(y_ticks),
                     y_labels)
