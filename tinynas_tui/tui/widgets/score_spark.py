"""Scores in trial order as a sparkline, with the best so far."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline

from tinynas_tui.search.records import Ranking, TrialRecord

EMPTY = "score: no complete trials yet"


def downsample(values: list[float], buckets: int) -> list[float]:
    """The maximum of each of ``buckets`` slices, split as `Sparkline` splits its data.

    So the sparkline draws the same picture from ``buckets`` values as from all of them, and each
    repaint costs O(width) rather than O(trials).
    """
    n = len(values)
    if buckets <= 0 or n <= buckets:
        return values
    return [max(values[n * i // buckets: n * (i + 1) // buckets]) for i in range(buckets)]


class ScoreSpark(Vertical):
    """A sparkline of complete trials' scores and a line naming the best."""

    DEFAULT_CSS = """
    ScoreSpark { height: 3; padding: 0 1; }
    ScoreSpark Label { width: 1fr; height: 1; color: $text-muted; }
    ScoreSpark Sparkline { height: 2; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._scores: list[float] = []

    def compose(self) -> ComposeResult:
        yield Label(EMPTY, id="spark-label")
        yield Sparkline([], id="spark")

    def show(self, complete: list[TrialRecord], ranking: Ranking) -> None:
        scores = ranking.scores
        self._scores = [scores[r.number] for r in complete if r.number in scores]
        self._draw()
        label = self.query_one("#spark-label", Label)
        best = ranking.best
        if best is None:
            label.update(EMPTY, layout=False)
            return
        label.update(f"score per trial ({len(self._scores)} complete)   best: trial {best}, "
                     f"score {scores[best]:.2f}", layout=False)

    def _draw(self) -> None:
        spark = self.query_one("#spark", Sparkline)
        spark.data = downsample(self._scores, self.content_size.width or spark.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self._draw()
