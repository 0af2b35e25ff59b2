"""Scores in trial order as a sparkline, with the best so far, and the study's hypervolume history under it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rich.color import Color as RichColor
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Label

from tinynas_tui.core.hypervolume import HypervolumeHistory
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord

EMPTY = "score: no complete trials yet"


@lru_cache(maxsize=1024)
def _rgb_style(r: int, g: int, b: int) -> Style:
    return Style.from_color(RichColor.from_triplet(ColorTriplet(r, g, b)))


def _bar_style(low: tuple[int, int, int], high: tuple[int, int, int], ratio: float) -> Style:
    """Textual's blend of the min and max colours (truncated to whole RGB values), as a style.

    Cached by the resulting colour: a gradient has a few hundred at most, whatever the scores.
    """
    (r1, g1, b1), (r2, g2, b2) = low, high
    return _rgb_style(int(r1 + (r2 - r1) * ratio), int(g1 + (g2 - g1) * ratio), int(b1 + (b2 - b1) * ratio))


class ScoreSparkline(Widget):
    """Textual's `Sparkline` look (bars, colours blended from min to max), drawn with the Line API.

    Textual's sparkline builds a colour, a style and a segment per bar and pipes them through Rich on
    every paint (~10-20 ms for a wide one on a busy machine, each time a trial finishes). Here the
    strips are built once per change of data or size: one C-level ``max`` per column over its slice of
    the data (~1 ms for 50,000 trials), then one cached style per bar.
    """

    DEFAULT_CSS = """
    ScoreSparkline { height: 1; }
    ScoreSparkline > .sparkline--max-color { color: $primary; }
    ScoreSparkline > .sparkline--min-color { color: $primary 30%; }
    """

    COMPONENT_CLASSES = {"sparkline--max-color", "sparkline--min-color"}
    BARS = "▁▂▃▄▅▆▇█"

    data: reactive[list[float]] = reactive(list, always_update=True)

    def __init__(self, data: list[float] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(ScoreSparkline.data, list(data or []))
        self._strips: list[Strip] = []
        self._key: tuple = ()

    def _colors(self) -> tuple[Any, Any]:
        _, base = self.background_colors
        low = base + self.get_component_styles("sparkline--min-color").color
        high = base + self.get_component_styles("sparkline--max-color").color
        return low.rich_color, high.rich_color

    def _build(self, width: int, height: int) -> list[Strip]:
        data, base = self.data, self.rich_style
        low, high = self._colors()
        if not data:
            empty = [Strip.blank(width, base)] * (height - 1)
            return empty + [Strip([Segment("▁" * width, base + Style.from_color(low))], width)]
        if len(data) == 1:
            return [Strip([Segment("█" * width, base + Style.from_color(high))], width)] * height
        levels = len(self.BARS)
        top = levels * height - 1
        minimum, maximum = min(data), max(data)
        extent = maximum - minimum or 1
        n = len(data)
        # Sparkline's buckets (max of each slice), then one bar per column.
        buckets = [data[n * i // width: n * (i + 1) // width] for i in range(width)] if n >= width else None
        if buckets is None:  # fewer values than columns: Sparkline's float walk over them, kept exact
            step, index, ratios = n / width, 0.0, []
            for _ in range(width):
                ratios.append((data[int(index)] - minimum) / extent)
                index += step
        else:
            ratios = [(max(b) - minimum) / extent for b in buckets]
        lt, ht = low.triplet, high.triplet
        strips = []
        for line in reversed(range(height)):
            floor, ceiling = line * levels, (line + 1) * levels
            segments = []
            for ratio in ratios:
                index = int(ratio * top)
                if index < floor:
                    segments.append(Segment(" ", base))
                    continue
                bar = "█" if index >= ceiling else self.BARS[index % levels]
                color = _bar_style(tuple(lt), tuple(ht), ratio) if lt and ht else Style.from_color(high)
                segments.append(Segment(bar, base + color))
            strips.append(Strip(segments, width).simplify())
        return strips

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        key = (id(self.data), len(self.data), width, height, self.rich_style, self.app.current_theme.name)
        if key != self._key:
            self._key, self._strips = key, self._build(width, height)
        return self._strips[y] if y < len(self._strips) else Strip.blank(width, self.rich_style)


class ScoreSpark(Vertical):
    """A sparkline of complete trials' scores, a line naming the best, and the hypervolume after each."""

    DEFAULT_CSS = """
    ScoreSpark { height: 3; padding: 0 1; }
    ScoreSpark Label { width: 1fr; height: 1; color: $text-muted; }
    ScoreSpark ScoreSparkline { height: 1; }
    ScoreSpark Horizontal { height: 1; }
    ScoreSpark #hv-label { width: 17; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._scores: list[float] = []

    def compose(self) -> ComposeResult:
        yield Label(EMPTY, id="spark-label")
        yield ScoreSparkline([], id="spark")
        with Horizontal(id="hv-row"):
            yield Label("hypervolume –", id="hv-label")
            yield ScoreSparkline([], id="hv-spark")

    def show(self, complete: list[TrialRecord], ranking: Ranking, hv: HypervolumeHistory | None = None) -> None:
        """Draw the scores of ``complete`` under ``ranking`` and, when the study has a reference, ``hv``."""
        scores = ranking.scores
        self._scores = [scores[r.number] for r in complete if r.number in scores]
        self._draw()
        self._show_hypervolume(hv)
        label = self.query_one("#spark-label", Label)
        best = ranking.best
        if best is None:
            label.update(EMPTY, layout=False)
            return
        label.update(f"score per trial ({len(self._scores)} complete)   best: trial {best}, "
                     f"score {scores[best]:.2f}", layout=False)

    def _show_hypervolume(self, hv: HypervolumeHistory | None) -> None:
        label = self.query_one("#hv-label", Label)
        if hv is None or not hv.history:
            label.update("hypervolume –", layout=False)
            self.query_one("#hv-spark", ScoreSparkline).data = []
            return
        label.update(f"hypervolume {hv.current:.2f}", layout=False)  # 0.00-1.00: always fits its 17 cells
        # The history itself (not a copy): it only grows, and the sparkline redraws when its length does.
        self.query_one("#hv-spark", ScoreSparkline).data = hv.history

    def _draw(self) -> None:
        self.query_one("#spark", ScoreSparkline).data = self._scores
