"""The Markdown report and the CSV as plain functions of trial records (no study needed)."""

from __future__ import annotations

from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook, TrialRecord
from tinynas_tui.export.report import (
    GLYPH_EXPORTED, GLYPH_FRONT, GLYPH_FULL_FRONT, GLYPH_POINT, ReportContext, markdown_report,
)

# number: (accuracy, size KB, latency ms). 2 is the fastest, so on the 3-objective front, but 1 is more
# accurate and smaller: on the accuracy-vs-size plot it is dominated. 3 is dominated everywhere.
VALUES = {0: (0.95, 30.0, 4.0), 1: (0.90, 10.0, 3.0), 2: (0.85, 12.0, 1.0), 3: (0.80, 40.0, 5.0)}


def report(exported=()) -> str:
    records = [TrialRecord(n, "complete", {}, v) for n, v in VALUES.items()]
    book = TrialBook()
    book.merge(records)
    ranking = book.rank(Weights())
    ctx = ReportContext("demo", "", {}, Weights(), [r for r in records if r.number in exported], records,
                        ranking, len(records))
    return markdown_report(ctx)


def plot_of(text: str) -> str:
    return text.split("```text\n", 1)[1].split("```", 1)[0]


def test_the_plot_marks_the_front_of_accuracy_vs_size_and_the_full_front_apart():
    text = report()
    plot = plot_of(text)
    assert plot.count(GLYPH_FRONT) == 2  # 0 and 1
    assert plot.count(GLYPH_FULL_FRONT) == 1  # 2: on the full front, dominated on this plot
    assert plot.count(GLYPH_POINT) == 1  # 3
    assert f"`{GLYPH_FRONT}` on the front of accuracy vs size" in text
    assert f"`{GLYPH_FULL_FRONT}` on the Pareto front of all three objectives" in text
    assert "- Pareto front: #0, #1, #2" in text


def test_an_exported_point_is_drawn_over_its_front_mark():
    plot = plot_of(report(exported=(2,)))
    assert plot.count(GLYPH_EXPORTED) == 1 and plot.count(GLYPH_FULL_FRONT) == 0 and plot.count(GLYPH_FRONT) == 2
