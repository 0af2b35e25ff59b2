"""The detail gives a confirmed trial's accuracy over its seeds and says of a repeat whose it is; the table
lists repeats without ranking them. The study is opened as a bulk summary read gives it (`SUMMARY_ATTRS`)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import complete_record, summary_read
from pilot_wait import until

from tinynas_tui.core.figures import REPEAT_OF
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.trial_detail import TrialDetail

pytestmark = pytest.mark.asyncio


def repeat(number: int, of: int, accuracy: float):
    original = complete_record(of)
    return replace(original, number=number, values=(accuracy, *original.values[1:]),
                   attrs={**original.attrs, REPEAT_OF: of})


def detail_text(detail: TrialDetail) -> str:
    return "\n".join(line.text for line in detail._lines)


async def test_the_detail_gives_the_accuracy_over_the_seeds_and_names_a_repeats_original():
    records = [complete_record(i) for i in range(6)]
    base = records[1].accuracy  # the best trial, on the front
    # Repeats better than the original: were they candidates, they would dominate it and rank first.
    engine = summary_read([*records, repeat(6, 1, base + 0.004), repeat(7, 1, base + 0.01)])
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 8, "the trials are read")
        table = app.table
        assert table.row_count == 8  # the repeats are listed
        assert table.get_cell("6", "rank") == "—" and table.get_cell("6", "pareto").strip() == ""
        assert 6 not in app.ranking.ranks and app.ranking.best == 1 and 1 in app.ranking.front
        detail = app.query_one(TrialDetail)
        table.move_to(1)
        want = app.book.seed_spread(1).line
        assert want.startswith("accuracy over 3 seeds: ") and want.endswith("; trials 1, 6, 7)")
        await until(pilot, lambda: detail.up_to_date and want in detail_text(detail), "the spread is shown")
        table.move_to(7)
        await until(pilot, lambda: detail.up_to_date and "seed repeat of #1" in detail_text(detail),
                    "the repeat names its original")
