"""A terminal scatter plot of accuracy against one cost (size or latency), with its fronts marked.

Every complete trial is a dim ``·``; trials on the front of the two axes shown (none more accurate and
cheaper on x) are a bright ``●`` joined by a staircase in x order; trials on the study's 3-objective
Pareto front but dominated on these two axes (they win on the cost not shown) are a ``○``; the
highlighted trial is an accent ``◉`` drawn on top. A trial with seed repeats has a ``┊`` bar through
it from its lowest accuracy over the seeds to its highest. The plot fits whatever size it gets.
"""

from __future__ import annotations

from typing import Mapping

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from tinynas_tui.core.plot_scale import PlotPoint, plot_frame

GLYPH_POINT, GLYPH_FRONT, GLYPH_FULL_FRONT, GLYPH_HIGHLIGHT, GLYPH_SPREAD = "·", "●", "○", "◉", "┊"
EMPTY_TEXT = "no complete trials yet"
Y_LABEL = "accuracy"


class ParetoPlot(Widget):
    """Scatter plot of accuracy (y) against size or latency (x) that marks the front of these axes and
    the rest of the 3-objective Pareto front.

    Call `set_points` with the data; clicking near a point posts `ParetoPlot.PointSelected`.
    """

    DEFAULT_CSS = """
    ParetoPlot {
        height: 1fr;
        min-height: 6;
        & > .pareto-plot--axis { color: $foreground-muted; }
        & > .pareto-plot--point { color: $foreground-muted; }
        & > .pareto-plot--front { color: $text-success; text-style: bold; }
        & > .pareto-plot--front-line { color: $text-success 60%; }
        & > .pareto-plot--full-front { color: $text-primary; text-style: bold; }
        & > .pareto-plot--highlight { color: $text-accent; text-style: bold reverse; }
        & > .pareto-plot--spread { color: $text-warning; }
        & > .pareto-plot--empty { color: $text-muted; text-style: italic; }
    }
    """

    COMPONENT_CLASSES = {
        "pareto-plot--axis",
        "pareto-plot--point",
        "pareto-plot--front",
        "pareto-plot--front-line",
        "pareto-plot--full-front",
        "pareto-plot--highlight",
        "pareto-plot--spread",
        "pareto-plot--empty",
    }

    class PointSelected(Message):
        """The user clicked a point of the plot."""

        def __init__(self, plot: ParetoPlot, number: int) -> None:
            super().__init__()
            self.plot = plot
            self.number = number
            """The trial number of the clicked point."""

        @property
        def control(self) -> ParetoPlot:
            return self.plot

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.points: list[PlotPoint] = []
        self.highlighted: int | None = None
        self.x_label = ""
        self.spreads: dict[int, tuple[float, float]] = {}
        self._cells: dict[int, tuple[int, int]] = {}

    def set_points(self, points: list[PlotPoint], highlighted: int | None, x_label: str,
                   spreads: Mapping[int, tuple[float, float]] | None = None) -> None:
        """Replace the plotted trials, the highlighted trial number and the x axis label, then redraw.

        Args:
            spreads: By trial number, (lowest, highest) accuracy over its seeds, for the trials that have
                seed repeats: drawn as a bar through the point.
        """
        self.points = list(points)
        self.spreads = dict(spreads or {})
        self.highlighted = highlighted
        self.x_label = x_label
        self.refresh()

    def cell_of(self, number: int) -> tuple[int, int] | None:
        """Where trial `number` was last drawn, as (x, y) in content cells; None if not drawn."""
        return self._cells.get(number)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._cells:
            return

        def distance(number: int) -> tuple[int, int]:
            col, row = self._cells[number]
            return abs(col - offset.x) + 2 * abs(row - offset.y), number

        nearest = min(self._cells, key=distance)
        col, row = self._cells[nearest]
        if abs(col - offset.x) <= 2 and abs(row - offset.y) <= 1:
            self.post_message(self.PointSelected(self, nearest))

    def render(self) -> Text:
        width, height = self.size
        self._cells = {}
        if not self.points or width < 12 or height < 4:
            message = EMPTY_TEXT if not self.points else "plot too small"
            return self._centred(message, width, height)
        return self._render_plot(width, height)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"pareto-plot--{name}")

    def _centred(self, message: str, width: int, height: int) -> Text:
        lines = [""] * max(height, 1)
        lines[max(height, 1) // 2] = message[:width].center(width)
        text = Text("\n".join(lines), no_wrap=True, overflow="crop")
        text.stylize(self._style("empty"))
        return text

    def _render_plot(self, width: int, height: int) -> Text:
        titles = height >= 9
        plot_height = height - 2 - (2 if titles else 0)
        # The y range holds every bar too, so that no seed's accuracy falls off the plot.
        bars = [(p, self.spreads[p.number]) for p in self.points if p.number in self.spreads]
        accuracies = [p.accuracy for p in self.points] + [a for _, span in bars for a in span]
        frame = plot_frame(accuracies, [p.x for p in self.points], width, plot_height,
                           5 if plot_height >= 12 else 4 if plot_height >= 7 else 3)
        margin, plot_width, row_of, col_of = frame.margin, frame.plot_width, frame.row_of, frame.col_of

        # Cell grid of (glyph, style, priority): the staircase under points, the front of these axes over
        # the rest of the full front, the highlight on top.
        grid: list[list[tuple[str, str, int]]] = [[(" ", "", 0)] * plot_width for _ in range(plot_height)]

        def put(row: int, col: int, glyph: str, style: str, priority: int) -> None:
            if 0 <= row < plot_height and 0 <= col < plot_width and grid[row][col][2] <= priority:
                grid[row][col] = (glyph, style, priority)

        front = sorted((p for p in self.points if p.on_axes_front), key=lambda p: (p.x, -p.accuracy, p.number))
        for start, end in zip(front, front[1:]):
            r1, c1 = row_of(start.accuracy), col_of(start.x)
            r2, c2 = row_of(end.accuracy), col_of(end.x)
            for col in range(c1 + 1, c2):
                put(r1, col, "─", "front-line", 1)
            if c2 > c1 and r2 != r1:
                put(r1, c2, "╯" if r2 < r1 else "╮", "front-line", 1)
            elif c2 > c1:
                put(r1, c2, "─", "front-line", 1)
            for row in range(min(r1, r2) + 1, max(r1, r2)):
                put(row, c2, "│", "front-line", 1)
        for point, (low, high) in bars:
            col = col_of(point.x)
            for row in range(row_of(high), row_of(low) + 1):
                put(row, col, GLYPH_SPREAD, "spread", 1)
        for point in self.points:
            row, col = row_of(point.accuracy), col_of(point.x)
            if point.number == self.highlighted:
                put(row, col, GLYPH_HIGHLIGHT, "highlight", 5)
            elif point.on_axes_front:
                put(row, col, GLYPH_FRONT, "front", 4)
            elif point.on_front:
                put(row, col, GLYPH_FULL_FRONT, "full-front", 3)
            else:
                put(row, col, GLYPH_POINT, "point", 2)
            self._cells.setdefault(point.number, (margin + col, row + (1 if titles else 0)))

        text = Text(no_wrap=True, overflow="crop", end="")
        axis = self._style("axis")
        tick_rows = frame.y_label_rows()
        if titles:
            text.append(f"{Y_LABEL} ↑".ljust(width)[:width] + "\n", axis)
        for row in range(plot_height):
            label = tick_rows.get(row)
            text.append((label or "").rjust(margin - 1) + ("┤" if label else "│"), axis)
            for glyph, style, _ in grid[row]:
                text.append(glyph, self._style(style) if style else None)
            text.append(" \n")
        axis_line, labels = frame.x_axis(minimum=3, labels_width=width, clamp=True)
        text.append("".join(axis_line + [" "])[:width] + "\n" + "".join(labels), axis)
        if titles:
            text.append("\n" + f"{self.x_label} →".center(width)[:width], axis)
        return text
