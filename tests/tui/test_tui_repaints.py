"""Repaints while a study runs: widgets repaint only what changed on screen, and what they show after a
partial repaint is what a fresh widget shows."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import pytest
from fake_engine import complete_record, failed_record, params_for
from pilot_wait import until
from rich.console import Console
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.widgets.status_bar import StatusBar
from tinynas_tui.tui.widgets.trial_detail import TrialDetail, describe
from tinynas_tui.tui.widgets.trial_table import TrialTable


class StatusApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


@pytest.mark.asyncio
async def test_status_bar_repaints_only_when_the_shown_eta_changes():
    app = StatusApp()
    async with app.run_test(size=(100, 3)) as pilot:
        status = app.query_one(StatusBar)
        status.state, status.eta = "running", 12.2
        await pilot.pause()
        renders = []
        original = status.render
        status.render = lambda: renders.append(1) or original()  # type: ignore[method-assign]
        status.eta = 11.8  # shown as 0:12 too
        await pilot.pause()
        assert renders == []
        status.eta = 70.0
        await pilot.pause()
        assert renders == [1] and "ETA 1:10" in status.render().plain


# -- the trial table ---------------------------------------------------------------------------------


class TableApp(App[None]):  # 110 columns: the whole table (104) and its scrollbar, no horizontal one
    def compose(self) -> ComposeResult:
        yield TrialTable(follow=False)  # the cursor stays where the test puts it


def on_screen(table: TrialTable) -> list[Strip]:
    """The table's lines as Textual holds them (lines not marked for repaint come from its cache)."""
    return table.render_lines(Region(0, 0, *table.size))


def fresh(table: TrialTable) -> list[Strip]:
    """The table's lines drawn from nothing."""
    table._styles_cache.clear()
    table.lines.strips.clear()
    table.lines.cells.clear()
    return table.render_lines(Region(0, 0, *table.size))


def record_repaints(widget: Widget) -> list[Region | None]:
    """Regions the widget is asked to repaint from now on (None: all of it)."""
    seen: list[Region | None] = []
    original = widget.refresh

    def refresh(*regions: Region, **kwargs: object) -> Widget:
        seen.extend(regions or [None])
        return original(*regions, **kwargs)

    widget.refresh = refresh  # type: ignore[method-assign]
    return seen


def repainted_lines(regions: list[Region | None]) -> set[int] | None:
    if None in regions:
        return None
    return {y for region in regions for y in range(region.y, region.bottom)}


def worst(number: int) -> TrialRecord:
    """A complete trial that ranks after every fake one and is on no Pareto front."""
    return replace(complete_record(number), values=(0.5, 900.0, 90.0))


def best(number: int) -> TrialRecord:
    return replace(complete_record(number), values=(0.999, 5.0, 0.1))


@pytest.mark.asyncio
async def test_a_rerank_repaints_only_the_lines_whose_cells_changed():
    book = TrialBook()
    book.merge([complete_record(i) for i in range(12)])
    app = TableApp()
    async with app.run_test(size=(110, 20)) as pilot:
        table = app.query_one(TrialTable)
        table.update_rows(book.ordered(), book.rank(Weights()))
        await pilot.pause()
        on_screen(table)
        repaints = record_repaints(table)
        book.merge([worst(12)])  # ranks last: the other rows' ranks, scores and stars stay
        table.update_rows([book.get(12)], book.rank(Weights()))
        assert repainted_lines(repaints) == {13}  # the header is line 0: the new 13th row only
        assert on_screen(table) == fresh(table)
        repaints.clear()
        book.merge([best(13)])  # ranks first: every rank moves down one
        table.update_rows([book.get(13)], book.rank(Weights()))
        assert repainted_lines(repaints) == set(range(1, 15))
        assert on_screen(table) == fresh(table)


@pytest.mark.asyncio
async def test_a_row_that_keeps_changing_keeps_one_strip_per_slot():
    """A running trial's row changes with every stage: its old strips are replaced, not kept."""
    from tinynas_tui.core.events import StageStarted, TrialStarted

    book = TrialBook()
    book.merge([complete_record(i) for i in range(3)])
    app = TableApp()
    async with app.run_test(size=(110, 12)) as pilot:
        table = app.query_one(TrialTable)
        table.update_rows(book.ordered(), book.rank(Weights()))
        book.apply(TrialStarted(3, params_for(3)))
        for step in range(60):
            book.apply(StageStarted(3, f"stage {step}"))
            table.update_rows([book.get(3)], book.rank(Weights()))
            await pilot.pause()
            on_screen(table)
        rows_on_screen = 4
        assert len(table.lines.strips) <= 1 + rows_on_screen  # the header and one strip per row drawn
        assert on_screen(table) == fresh(table)


@pytest.mark.asyncio
@pytest.mark.parametrize("column", ["number", "score", "rank", "pareto", "state"])
async def test_after_partial_repaints_the_table_shows_what_a_fresh_table_shows(column):
    """Trials start, finish, fail and re-rank under each sort; marks and the cursor move; the lines on
    screen (cached ones included) always equal the lines drawn from nothing."""
    rng = random.Random(column)
    book = TrialBook()
    app = TableApp()
    async with app.run_test(size=(110, 14)) as pilot:
        table = app.query_one(TrialTable)
        table.sort_by(column, reverse=column == "score")
        for number in range(24):
            book.merge([TrialRecord(number, "running", params_for(number), stage="train")])
            table.update_rows([book.get(number)], book.rank(Weights()))
            await pilot.pause()
            assert on_screen(table) == fresh(table), (column, number, "started")
            done = rng.choice([complete_record, complete_record, worst, best, failed_record])(number)
            book.merge([done])
            table.update_rows([book.get(number)], book.rank(Weights()))
            if rng.random() < 0.3:
                table.move_cursor(rng.randrange(table.row_count))
            if rng.random() < 0.2:
                table.action_toggle_mark()
            await pilot.pause()
            assert on_screen(table) == fresh(table), (column, number, "finished")
        table.update_rows([], book.rank(Weights(100, 1, 0.1), Budgets(max_flash_kb=60)))  # another basis
        await pilot.pause()
        assert on_screen(table) == fresh(table), (column, "re-weighted")


@pytest.mark.asyncio
async def test_the_scrollbar_repaints_only_when_its_thumb_moves():
    book = TrialBook()
    app = TableApp()
    async with app.run_test(size=(110, 14)) as pilot:
        table = app.query_one(TrialTable)
        bar = table.vertical_scrollbar
        page = table.scrollable_content_region.height - 1
        book.merge([complete_record(0)])
        table.update_rows(book.ordered(), book.rank(Weights()))
        await pilot.pause()
        repaints = record_repaints(bar)
        for number in range(1, page):  # rows fit on screen: no thumb before or after
            book.merge([complete_record(number)])
            table.update_rows([book.get(number)], book.rank(Weights()))
        assert repaints == []
        await pilot.pause()
        lines = bar.render_lines(Region(0, 0, *bar.size))
        for number in range(page, page + 3):  # the rows outgrow the screen: a thumb, which shrinks
            book.merge([complete_record(number)])
            table.update_rows([book.get(number)], book.rank(Weights()))
            assert repaints, number
            await pilot.pause()
            assert bar.render_lines(Region(0, 0, *bar.size)) != lines
            lines = bar.render_lines(Region(0, 0, *bar.size))
            bar._styles_cache.clear()
            assert bar.render_lines(Region(0, 0, *bar.size)) == lines  # what a fresh bar draws
            repaints.clear()


# -- the detail view -----------------------------------------------------------------------------------


class DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TrialDetail()


async def rendered(pilot, detail: TrialDetail) -> None:
    """Let the detail's worker thread render its lines and the view take them."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert detail.up_to_date


def lines_of(widget: Widget, fresh: bool = False) -> list[Strip]:
    if fresh:
        widget._styles_cache.clear()
    return widget.render_lines(Region(0, 0, *widget.size))


def described(record: TrialRecord, ranking, budgets: Budgets, detail: TrialDetail) -> list[Strip]:
    """The lines of the whole description rendered at once, as the view did before it reused parts."""
    width = detail.scrollable_content_region.width
    console = Console(width=width, file=io.StringIO(), force_terminal=True, legacy_windows=False)
    lines = console.render_lines(describe(record, ranking, budgets, ()), console.options.update_width(width),
                                 style=detail.rich_style, pad=False)
    return [Strip(line) for line in lines]


@pytest.mark.asyncio
async def test_the_detail_repaints_only_lines_that_differ_from_those_shown():
    app = DetailApp()
    ranking, budgets = TrialBook().rank(Weights()), Budgets(max_flash_kb=60)
    async with app.run_test(size=(120, 30)) as pilot:
        detail = app.query_one(TrialDetail)
        running = TrialRecord(0, "running", params_for(0), stage="train")
        detail.show(running, ranking, budgets, ())
        await rendered(pilot, detail)
        lines_of(detail)
        repaints = record_repaints(detail)
        body_lines = detail._body_lines[3]
        detail.show(replace(running, stage="convert"), ranking, budgets, ())  # the head line changes
        await rendered(pilot, detail)
        assert repainted_lines(repaints) == {0}
        assert "convert" in lines_of(detail)[0].text and lines_of(detail) == lines_of(detail, fresh=True)
        assert detail._body_lines[3] is body_lines  # the body was not laid out again...
        assert detail._lines == described(replace(running, stage="convert"), ranking, budgets, detail)  # ...nor needed
        repaints.clear()
        detail.show(replace(running, stage="convert", seconds=3.0), ranking, budgets, ())  # not shown
        await rendered(pilot, detail)
        assert repaints == []
        book = TrialBook()
        book.merge([complete_record(0)])
        detail.show(book.get(0), book.rank(Weights()), budgets, ())  # most lines change
        await rendered(pilot, detail)
        assert len(repainted_lines(repaints)) > 3
        assert lines_of(detail) == lines_of(detail, fresh=True)
        assert detail._lines == described(book.get(0), book.rank(Weights()), budgets, detail)


# -- the whole screen while trials run ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_while_trials_run_no_frame_repaints_the_side_panel(monkeypatch):
    """Textual repaints the bounding box of a frame's changes: the status bar (above the side panel)
    must repaint only its progress, or each frame with a table row would take in the whole panel."""
    from fake_engine import FakeEngine
    from textual._compositor import Compositor

    from tinynas_tui.tui.factory import create_app

    frames: list[list[Region]] = []
    render_partial_update = Compositor.render_partial_update

    def recording(self):  # type: ignore[no-untyped-def]
        frames.append(list(self._dirty_regions))
        return render_partial_update(self)

    monkeypatch.setattr(Compositor, "render_partial_update", recording)
    engine = FakeEngine([complete_record(i) for i in range(4)], gated=True)
    app = create_app(engine, trials=3)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "running" and app._status.done == 4, "the study running")
        side = app._side.region
        assert side.width == 46 and app._status.region.width == 160
        await pilot.pause()
        frames.clear()
        for finished in (5, 6):
            engine.release(1)  # a trial finishes: re-rank, status, detail, sparkline; the next one starts
            await until(pilot, lambda: app._status.done == finished, f"{finished} trials done")
            await pilot.pause()
    repainted = [region for frame in frames for region in frame]
    assert any(region.y == 0 for region in repainted)  # the status bar did repaint
    assert any(region.y > 1 for region in repainted)  # and so did the table
    for frame in filter(None, frames):  # a frame with nothing dirty repaints nothing
        box = Region.from_union(frame)
        assert not box.overlaps(side), f"a frame repainted {box}, over the side panel {side}"


@pytest.mark.asyncio
async def test_status_names_follow_the_side_panel_width():
    from fake_engine import FakeEngine

    from tinynas_tui.tui.factory import create_app

    app = create_app(FakeEngine([complete_record(0)]), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused" and app._side.region.width, "the side panel shown")
        status = app._status
        await pilot.pause()
        assert status.render().plain.index("●") == 46 - 1  # names padded to the panel's edge
        await pilot.press("f2")  # hide the side panel
        await until(pilot, lambda: not app._side.display or not app._side.region.width, "the side panel hidden")
        await pilot.pause()
        shown = status.render().plain
        assert shown.index("●") == len(f"tinynas-tui  {app.info.study_name}  ")
        drawn = status.render_line(0).text  # the line Textual shows (its cache), redrawn after the layout
        assert drawn.index("●") == shown.index("●")
