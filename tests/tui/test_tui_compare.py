"""The compare view against the fake engine: which two trials, what differs, partial trials read first."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import FakeEngine, complete_record, failed_record, summary_read
from pilot_wait import until

from tinynas_tui.core.budgets import Budgets, check_text
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.compare_rows import compare_sections, differs, pick_pair
from tinynas_tui.tui.screens.compare_screen import CompareScreen
from tinynas_tui.tui.widgets.trial_table import TrialTable

def seeded():
    return [complete_record(i) for i in range(6)] + [failed_record(6)]


async def opened(pilot):
    await until(pilot, lambda: pilot.app.state == "paused", "opened")


async def mark(pilot, *numbers):
    table = pilot.app.query_one(TrialTable)
    for n in numbers:
        table.move_to(n)
        await pilot.press("space")
    await until(pilot, lambda: table.marked == set(numbers), "marked")


def compare_screen(app) -> CompareScreen:
    assert isinstance(app.screen, CompareScreen)
    return app.screen


def line_of(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.split(maxsplit=1)[-1:] and label in line)


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_two_marked_trials_side_by_side_with_what_differs(size):
    app = create_app(FakeEngine(seeded()), paused=True, budgets=Budgets(max_flash_kb=100.0))
    async with app.run_test(size=size) as pilot:
        await opened(pilot)
        await mark(pilot, 4, 1)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the compare view")
        screen = compare_screen(app)
        assert [r.number for r in screen.records] == [1, 4]
        await pilot.pause()
        assert "kernel_size" in app.export_screenshot()  # drawn on screen, not only describable
        text = screen.plain_text(width=size[0] - 4)
        one, four = complete_record(1), complete_record(4)
        assert f"{one.accuracy:.4f}" in line_of(text, "accuracy int8")
        assert f"{four.accuracy:.4f}" in line_of(text, "accuracy int8")
        score_line = line_of(text, "score")
        assert f"{app.ranking.scores[1]:.2f}" in score_line and f"{app.ranking.scores[4]:.2f}" in score_line
        assert check_text("flash", 100.0, one.size_kb).split(",")[0] in text  # the budget, in its one format
        assert line_of(text, "kernel_size").lstrip().startswith("≠")  # 5 and 3
        assert not line_of(text, "quantization").lstrip().startswith("≠")  # int8 in both
        await pilot.press("d")
        text = screen.plain_text(width=size[0] - 4)
        assert "kernel_size" in text and "quantization" not in text
        assert "the same in both" in text  # the layers are alike
        await pilot.press("d")
        assert "quantization" in screen.plain_text()
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CompareScreen), "closed")


@pytest.mark.asyncio
async def test_one_marked_is_compared_with_the_highlighted():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await mark(pilot, 5)
        app.query_one(TrialTable).move_to(2)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the compare view")
        assert [r.number for r in compare_screen(app).records] == [2, 5]


@pytest.mark.asyncio
@pytest.mark.parametrize("marks, words", [((), "Mark two trials"), ((1, 2, 3), "3 trials are marked")])
async def test_not_two_marked_says_to_mark_two(marks, words):
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await mark(pilot, *marks)
        await pilot.press("c")
        await until(pilot, lambda: any(words in n.message for n in app._notifications), "the toast")
        assert not isinstance(app.screen, CompareScreen)


@pytest.mark.asyncio
async def test_bulk_read_trials_are_read_in_full_first():
    full = seeded()
    engine = summary_read(full)
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened(pilot)
        assert app.table.highlighted_number == 6  # follow mode: trials 0 and 3 are not read by the detail
        pair = (app.book.get(0), app.book.get(3))
        assert all(r.partial for r in pair)
        app.push_screen(CompareScreen(pair, app.ranking, app.budgets, (), engine))
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the compare view")
        screen = compare_screen(app)
        await until(pilot, lambda: not any(r.partial for r in screen.records), "both read in full")
        assert {0, 3} <= set(engine.trial_reads)
        assert "num_filters" in screen.plain_text() and "reading" not in screen.plain_text()
        await until(pilot, lambda: app.book.get(0) == full[0] and app.book.get(3) == full[3],
                    "the reads bubbled on to the app's book")


@pytest.mark.asyncio
async def test_a_trial_that_cannot_be_read_is_said():
    full = seeded()
    engine = FakeEngine([replace(r, params={}, partial=True) for r in full])  # engine.full is empty
    app = create_app(engine, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await mark(pilot, 0, 3)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen) and len(app.screen.unreadable) == 2,
                    "both reads answered")
        assert "Trial 0: could not read its parameters and figures." in compare_screen(app).plain_text()


def test_pick_pair():
    assert pick_pair({7, 2}, 5) == (2, 7)
    assert pick_pair({7}, 2) == (2, 7)
    assert isinstance(pick_pair({7}, 7), str) and isinstance(pick_pair(set(), 3), str)


def test_a_failed_trial_and_a_conditional_parameter():
    book = TrialBook()
    left, right = complete_record(1), failed_record(6)
    right = replace(right, params={**right.params, "dense_units_2": 64})
    book.merge([left, right])
    sections = dict(compare_sections(left, right, book.rank(Weights()), Budgets(), ("num_filters",)))
    assert next(iter(sections["parameters"]))[0] == "num_filters"  # the space's order first
    assert ("dense_units_2", "—", "64") in sections["parameters"]  # not used by the first
    assert ("accuracy int8", f"{left.accuracy:.4f}", "—") in sections["objectives"]
    assert any(row[0] == "why" and "loss became NaN" in row[2] for row in sections["trial"])
    assert all(differs(row) for row in sections["layers"])  # the failed trial has none
