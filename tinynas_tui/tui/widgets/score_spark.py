"""Scores in trial order as a sparkline, with the best so far."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline

from tinynas_tui.search.records import Ranking, TrialRecord


class ScoreSpark(Vertical):
    """A sparkline of complete trials' scores and a line naming the best."""

    DEFAULT_CSS = """
    ScoreSpark { height: 3; padding: 0 1; }
    ScoreSpark Label { width: 1fr; color: $text-muted; }
    ScoreSpark Sparkline { height: 2; }
    """

    def compose(self) -> ComposeResult:
        yield Label("score: no complete trials yet", id="spark-label")
        yield Sparkline([], id="spark")

    def show(self, complete: list[TrialRecord], ranking: Ranking) -> None:
        scores = [ranking.scores[r.number] for r in complete if r.number in ranking.scores]
        self.query_one("#spark", Sparkline).data = scores
        label = self.query_one("#spark-label", Label)
        best = ranking.best
        if best is None:
            label.update("score: no complete trials yet")
            return
        label.update(f"score per trial ({len(scores)} complete)   best: trial {best}, score {ranking.scores[best]:.2f}")
