"""The score sparkline draws what Textual's Sparkline draws (bars and colours), however many scores."""

from __future__ import annotations

import random

import pytest
from rich.color import Color
from rich.console import Console
from textual.app import App, ComposeResult
from textual.renderables.sparkline import Sparkline as SparklineRenderable

from tinynas_tui.tui.widgets.score_spark import ScoreSparkline

LOW, HIGH = Color.from_rgb(10, 40, 90), Color.from_rgb(0, 120, 215)


def textual_cells(data: list[float], width: int, height: int) -> list[list[tuple[str, str | None]]]:
    """(character, colour) per cell as Textual's own sparkline renders ``data``."""
    console = Console(width=width, color_system="truecolor", force_terminal=True)
    renderable = SparklineRenderable(data, width=width, height=height, min_color=LOW, max_color=HIGH)
    lines = console.render_lines(renderable, console.options.update_width(width), pad=True)
    return [[(ch, seg.style.color.triplet.hex if seg.style and seg.style.color else None)
             for seg in line for ch in seg.text] for line in lines]


class SparkApp(App[None]):
    CSS = "ScoreSparkline { height: 2; }"

    def compose(self) -> ComposeResult:
        yield ScoreSparkline(id="spark")


@pytest.mark.asyncio
@pytest.mark.parametrize("n", [0, 1, 7, 40, 41, 1000, 50_000])
async def test_same_bars_and_colours_as_textual_sparkline(n):
    rng = random.Random(n)
    data = [rng.uniform(50, 100) for _ in range(n)]
    app = SparkApp()
    async with app.run_test(size=(40, 2)):
        spark = app.query_one(ScoreSparkline)
        spark._colors = lambda: (LOW, HIGH)  # the colours the reference is drawn with
        spark.data = data
        ours = [[(ch, seg.style.color.triplet.hex if seg.style and seg.style.color else None)
                 for seg in spark.render_line(y) for ch in seg.text] for y in range(2)]
    theirs = textual_cells(data, 40, 2)
    assert [[c for c, _ in line] for line in ours] == [[c for c, _ in line] for line in theirs]
    assert [[col for c, col in line if c.strip()] for line in ours] == \
           [[col for c, col in line if c.strip()] for line in theirs]
