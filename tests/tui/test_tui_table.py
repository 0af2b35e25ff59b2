"""The virtual trial table: its model keeps the right order as rows change; the widget draws the rows on
screen, keeps the cursor on its trial, pages, sorts and marks."""

from __future__ import annotations

import random

import pytest
from fake_engine import complete_record, failed_record
from textual.app import App, ComposeResult

from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.tui.widgets.trial_table.rows import SORTABLE, TrialRows
from tinynas_tui.tui.widgets.trial_table import TrialTable


def records(n: int) -> list[TrialRecord]:
    return [failed_record(i) if i % 7 == 3 else complete_record(i) for i in range(n)]


def expected_order(rows: TrialRows) -> list[int]:
    """The order by definition: by the column's value, missing values last, ties by trial number."""
    present = [n for n in rows.records if rows.value(n, rows.sort_column) is not None]
    missing = [n for n in rows.records if rows.value(n, rows.sort_column) is None]
    present.sort(key=lambda n: (rows.value(n, rows.sort_column), n), reverse=rows.sort_reverse)
    return present + sorted(missing, reverse=rows.sort_reverse)


def test_rows_stay_sorted_as_trials_arrive_and_change():
    """Rows placed one by one (binary search) end where one full sort would put them, for every column."""
    rng = random.Random(4)
    for column in SORTABLE:
        for reverse in (False, True):
            book, rows = TrialBook(), TrialRows()
            rows.sort(column, reverse)
            for number in rng.sample(range(120), 120):  # out of order, as polls may deliver them
                book.merge([TrialRecord(number, "running", {})])
                rows.update([book.get(number)], book.rank(Weights()))
                if rng.random() < 0.8:  # most finish later, changing their sort values
                    book.merge([complete_record(number) if rng.random() < 0.9 else failed_record(number)])
                    rows.update([book.get(number)], book.rank(Weights()))
                if rng.random() < 0.1:
                    rows.toggle_mark(number)
            assert rows.order == expected_order(rows), (column, reverse)
            rows.update([], book.rank(Weights(100, 1, 0.1), Budgets(max_flash_kb=60)))  # another basis
            assert rows.order == expected_order(rows), (column, reverse, "re-weighted")


def test_cells_show_ranking_and_budgets():
    book = TrialBook()
    book.merge(records(10))
    rows = TrialRows()
    ranking = book.rank(Weights(), Budgets(max_flash_kb=50))
    rows.update(book.ordered(), ranking)
    over = next(n for n in ranking.ranks if n not in ranking.feasible)
    assert rows.cell_text(over, "rank").endswith("✗")
    assert rows.cell_text(3, "state") == "failed" and rows.cell_text(3, "acc") == "—"
    assert rows.cell_text(ranking.best, "rank") == "1"


class TableApp(App[None]):
    def __init__(self, rows: list[TrialRecord]) -> None:
        super().__init__()
        self.book = TrialBook()
        self.book.merge(rows)
        self.highlights: list[int | None] = []

    def compose(self) -> ComposeResult:
        yield TrialTable(follow=False)  # the cursor stays where the test puts it

    def on_mount(self) -> None:
        table = self.query_one(TrialTable)
        table.update_rows(self.book.ordered(), self.book.rank(Weights()))
        table.focus()

    def on_trial_table_highlighted(self, message: TrialTable.Highlighted) -> None:
        self.highlights.append(message.number)


def screen_numbers(table: TrialTable) -> list[int]:
    """Trial numbers on the visible lines, read from what render_line draws."""
    out = []
    for y in range(1, table.scrollable_content_region.height):
        text = table.render_line(y).text.split()
        if text and text[0].isdigit():
            out.append(int(text[0]))
        elif len(text) > 1 and text[1].isdigit():  # a marked row starts with ✓
            out.append(int(text[1]))
    return out


@pytest.mark.asyncio
async def test_a_large_table_draws_only_the_rows_on_screen_and_pages():
    app = TableApp(records(5000))
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(TrialTable)
        assert table.row_count == 5000 and table.virtual_size.height == 5001  # header + rows
        page = table.scrollable_content_region.height - 1
        assert screen_numbers(table) == list(range(page))
        assert table.render_line(0).text.split()[:3] == ["✓", "#▲", "state"]  # sorted by number, ascending
        await pilot.press("pagedown")
        assert table.highlighted_number == page
        await pilot.press("end")
        assert table.highlighted_number == 4999 and screen_numbers(table)[-1] == 4999
        table.move_to(2500)
        await pilot.pause()
        assert 2500 in screen_numbers(table) and table.highlighted_number == 2500
        assert len(table.lines.strips) < 100  # only rows that were on screen were ever drawn
        assert app.highlights[-1] == 2500


@pytest.mark.asyncio
async def test_cursor_stays_on_its_trial_across_updates_and_sorts():
    app = TableApp(records(300))
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(TrialTable)
        table.move_to(150)
        table.sort_by("acc", reverse=True)
        await pilot.pause()
        assert table.highlighted_number == 150
        by_acc = sorted((r for r in app.book.ordered() if r.values), key=lambda r: (-r.accuracy, -r.number))
        assert [int(table.get_row_at(i)[1]) for i in range(len(by_acc))] == [r.number for r in by_acc]
        assert table.get_row_at(table.row_count - 1)[2] == "failed"  # no accuracy: last
        for number in range(300, 340):  # new trials arrive, some sorting above the cursor
            app.book.merge([complete_record(number)])
            table.update_rows([app.book.get(number)], app.book.rank(Weights()))
        await pilot.pause()
        assert table.highlighted_number == 150 and table.row_count == 340
        assert 150 in screen_numbers(table)  # still in view
        assert table.get_row_at(table.cursor_row)[1] == "150"
        await pilot.press("space")
        assert table.marked == {150} and table.get_cell(150, "mark") == "✓"


@pytest.mark.asyncio
async def test_clicking_a_header_sorts_and_a_row_moves_the_cursor():
    app = TableApp(records(20))
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(TrialTable)
        await pilot.click(TrialTable, offset=(24, 0))  # the "acc" header
        assert table.sort_column == "acc" and not table.sort_reverse
        await pilot.click(TrialTable, offset=(24, 0))
        assert table.sort_reverse
        third = round(table.scroll_y) + 2  # the sort kept the cursor's trial in view, scrolling with it
        await pilot.click(TrialTable, offset=(10, 3))  # the third row on screen
        assert table.cursor_row == third and table.highlighted_number == int(table.get_row_at(third)[1])
