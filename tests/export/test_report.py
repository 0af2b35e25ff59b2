"""The Markdown report and the CSV as plain functions of trial records (no study needed)."""

from __future__ import annotations

import csv
import io
import random

from tinynas_tui.core import figures
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.export.report import (
    GLYPH_EXPORTED, GLYPH_FRONT, GLYPH_FULL_FRONT, GLYPH_POINT, ReportContext, markdown_report,
)
from tinynas_tui.export.trials_csv import csv_text

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


def csv_rows(records) -> list[dict[str, str]]:
    book = TrialBook()
    book.merge(records)
    return list(csv.DictReader(io.StringIO(csv_text(records, book.rank(Weights())))))


def test_csv_floats_are_rounded_to_seven_significant_digits():
    record = TrialRecord(0, "complete", {"lr": 0.0012345678901}, (0.935, 584.9765625, 79.18369774999998),
                         {figures.ARENA_BYTES: 49_357, figures.FLOAT_ACCURACY: 0.9412})
    row = csv_rows([record])[0]
    assert row["latency_ms"] == "79.1837" and row["accuracy"] == "0.935" and row["float_accuracy"] == "0.9412"
    assert row["size_kb"] == "584.9766" and row["arena_kb"] == "48.2002"
    assert row["lr"] == "0.0012345678901"  # a parameter in full: the value the trial trained with
    assert row["score"] == format(Weights().score(0.935, 584.9765625, 79.18369774999998), ".7g")


def test_csv_sizes_give_back_their_bytes_and_accuracies_their_counts():
    rng = random.Random(0)
    sizes = [rng.randrange(1, 1024 * 1024) for _ in range(300)] + [1024 * 1024 - 1]
    samples = 1_000_000
    correct = [rng.randrange(samples + 1) for _ in sizes]
    records = [TrialRecord(n, "complete", {}, (c / samples, b / 1024, 1.0), {figures.GZIP_BYTES: b})
               for n, (b, c) in enumerate(zip(sizes, correct))]
    rows = {int(r["number"]): r for r in csv_rows(records)}
    assert [round(float(rows[n]["size_kb"]) * 1024) for n in range(len(sizes))] == sizes
    assert [round(float(rows[n]["gzip_kb"]) * 1024) for n in range(len(sizes))] == sizes
    assert [round(float(rows[n]["accuracy"]) * samples) for n in range(len(sizes))] == correct
    assert max(len(r["size_kb"]) for r in rows.values()) <= 9
