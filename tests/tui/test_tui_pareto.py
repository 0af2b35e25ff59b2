"""The Pareto screen: walking the front, switching axes, dismissing, and how the plot looks."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tinynas_tui.core.figures import REPEAT_OF
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.screens.pareto_screen import ParetoScreen
from tinynas_tui.tui.widgets.pareto_plot import (
    GLYPH_FRONT, GLYPH_FULL_FRONT, GLYPH_HIGHLIGHT, GLYPH_SPREAD, ParetoPlot,
)

SENTINEL = object()


def make_records() -> list[TrialRecord]:
    """Eight complete trials (five on the front, ordered differently by size and by latency) plus two
    without results."""
    rows = [  # number, accuracy, size KB, latency ms, arena bytes
        (0, 0.900, 20.0, 3.00, 12288),
        (1, 0.935, 12.1, 1.98, 9216),
        (2, 0.880, 8.0, 2.50, 7168),
        (3, 0.950, 30.0, 4.00, 20480),
        (4, 0.890, 25.0, 3.50, None),
        (5, 0.800, 9.5, 1.00, 6144),
        (6, 0.960, 55.0, 6.00, 40960),
        (7, 0.850, 14.0, 2.20, 10240),
    ]
    records = [
        TrialRecord(n, "complete", {}, (acc, size, lat), {} if arena is None else {"arena_bytes": arena})
        for n, acc, size, lat, arena in rows
    ]
    return records + [TrialRecord(8, "failed"), TrialRecord(9, "running", stage="training")]


RECORDS = make_records()


def book_of(records: list[TrialRecord]) -> TrialBook:
    book = TrialBook()
    book.merge(records)
    return book


def computed_front(records: list[TrialRecord]) -> frozenset[int]:
    return book_of(records).rank(Weights()).front


FRONT = computed_front(RECORDS)


def front_in_order(key: str) -> list[int]:
    """The front's numbers ordered by the `key` attribute of each record (size_kb or latency_ms)."""
    front = [r for r in RECORDS if r.number in FRONT]
    return [r.number for r in sorted(front, key=lambda r: getattr(r, key))]


class ParetoHost(App[None]):
    """A bare app that opens the Pareto screen on mount and keeps what it dismisses with."""

    def __init__(self, records: list[TrialRecord] = RECORDS, highlighted: int | None = 1) -> None:
        super().__init__()
        self.records, self.highlighted = records, highlighted
        self.results: list[int | None] = []

    def compose(self) -> ComposeResult:
        yield Static("trials table")

    def on_mount(self) -> None:
        book = book_of(self.records)
        screen = ParetoScreen(self.records, book.rank(Weights()).front, self.highlighted, spreads=book.seed_spreads())
        self.push_screen(screen, self.results.append)


def test_fixture_front_is_interesting():
    assert FRONT == {1, 2, 3, 5, 6}
    assert front_in_order("size_kb") != front_in_order("latency_ms")


@pytest.mark.asyncio
async def test_arrows_walk_the_front_in_size_order_and_stop_at_the_ends():
    order = front_in_order("size_kb")
    app = ParetoHost(highlighted=order[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ParetoScreen)
        seen = []
        for _ in range(len(order)):
            await pilot.press("right")
            seen.append(screen.highlighted)
        assert seen == order[1:] + [order[-1]]
        seen = []
        for _ in range(len(order)):
            await pilot.press("h")
            seen.append(screen.highlighted)
        assert seen == list(reversed(order[:-1])) + [order[0]]


@pytest.mark.asyncio
async def test_axis_toggle_walks_in_latency_order():
    order = front_in_order("latency_ms")
    app = ParetoHost(highlighted=None)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert "vs size" in screen.query_one("#pareto-dialog").border_title
        await pilot.press("a")
        assert screen.axis == "latency"
        assert "vs latency" in screen.query_one("#pareto-dialog").border_title
        assert screen.query_one(ParetoPlot).x_label == "latency ms (host CPU)"
        seen = []
        for _ in range(len(order)):
            await pilot.press("l")
            seen.append(screen.highlighted)
        assert seen == order
        await pilot.press("f2")
        assert screen.axis == "size"


@pytest.mark.asyncio
async def test_first_move_from_off_front_goes_to_nearest_front_point_in_x():
    start = next(r for r in RECORDS if r.number == 0)
    assert start.number not in FRONT
    front = [r for r in RECORDS if r.number in FRONT]
    nearest = min(front, key=lambda r: abs(r.size_kb - start.size_kb)).number
    app = ParetoHost(highlighted=0)
    async with app.run_test(size=(100, 30)) as pilot:
        caption = str(app.screen.query_one("#pareto-caption", Static).visual)
        assert "not on the front" in caption
        await pilot.press("left")
        assert app.screen.highlighted == nearest


@pytest.mark.asyncio
async def test_caption_describes_the_highlighted_trial():
    app = ParetoHost(highlighted=1)
    async with app.run_test(size=(100, 30)):
        caption = str(app.screen.query_one("#pareto-caption", Static).visual)
        assert caption == ("#1  acc 0.9350  size 12.1 KiB  latency 1.98 ms  arena 9.0 KiB  "
                           "★ on the front (3 objectives) and on acc vs size")
    app = ParetoHost(highlighted=4)
    async with app.run_test(size=(100, 30)):
        caption = str(app.screen.query_one("#pareto-caption", Static).visual)
        assert "#4  acc 0.8900" in caption and "arena —" in caption and "★" not in caption


@pytest.mark.parametrize(
    ("keys", "expected"), [(["right", "enter"], SENTINEL), (["escape"], None), (["q"], None)]
)
@pytest.mark.asyncio
async def test_enter_dismisses_with_the_highlight_and_escape_with_none(keys, expected):
    app = ParetoHost(highlighted=1)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press(*keys)
        await pilot.pause()
        if expected is SENTINEL:
            expected = front_in_order("size_kb")[front_in_order("size_kb").index(1) + 1]
        assert app.results == [expected]
        assert not isinstance(app.screen, ParetoScreen)
        assert screen.highlighted == (expected if expected is not None else 1)


def brute_axes_front(key: str) -> set[int]:
    """The front of accuracy vs one cost by pairwise comparison: none at least as accurate and as cheap,
    better on one."""
    complete = [r for r in RECORDS if r.values]

    def beats(a, b):
        ax, bx = getattr(a, key), getattr(b, key)
        return a.accuracy >= b.accuracy and ax <= bx and (a.accuracy > b.accuracy or ax < bx)

    return {r.number for r in complete if not any(beats(o, r) for o in complete)}


@pytest.mark.parametrize(("axis_keys", "key", "only_full"), [([], "size_kb", 5), (["a"], "latency_ms", 2)])
@pytest.mark.asyncio
async def test_plot_marks_the_front_of_the_axes_shown_and_the_full_front_apart(axis_keys, key, only_full):
    # Trial 5 (the fastest) is on the 3-objective front but dominated on accuracy vs size by trial 2
    # (more accurate, smaller); trial 2 is dominated on accuracy vs latency by trial 1.
    app = ParetoHost(highlighted=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*axis_keys)
        screen = app.screen
        points = {p.number: p for p in screen.query_one(ParetoPlot).points}
        axes_front = {n for n, p in points.items() if p.on_axes_front}
        assert axes_front == brute_axes_front(key) and only_full in FRONT - axes_front
        assert {n for n, p in points.items() if p.on_front} == FRONT
        plot = screen.query_one(ParetoPlot)
        text = plot.render().plain.split("\n")
        col, row = plot.cell_of(only_full)
        assert text[row][col] == GLYPH_FULL_FRONT
        for n in axes_front:
            col, row = plot.cell_of(n)
            assert text[row][col] == GLYPH_FRONT
        assert "3-objective front only" in str(screen.query_one("#pareto-dialog").border_subtitle)
        screen.highlighted = only_full
        await pilot.pause()
        caption = str(screen.query_one("#pareto-caption", Static).visual)
        assert f"#{only_full} " in caption and "★ on the front (3 objectives), dominated on acc vs" in caption


@pytest.mark.parametrize("size", [(40, 10), (80, 24), (150, 40)])
@pytest.mark.asyncio
async def test_plot_fits_and_draws_one_highlight_and_every_front_cell(size):
    app = ParetoHost(highlighted=1)
    async with app.run_test(size=size):
        plot = app.screen.query_one(ParetoPlot)
        text = plot.render().plain
        assert text.count(GLYPH_HIGHLIGHT) == 1
        highlight_cell = plot.cell_of(1)
        front_cells = {plot.cell_of(p.number) for p in plot.points if p.on_axes_front} - {highlight_cell}
        assert text.count(GLYPH_FRONT) == len(front_cells) >= 1
        lines = text.split("\n")
        assert len(lines) == plot.size.height
        assert all(len(line) == plot.size.width for line in lines)


@pytest.mark.asyncio
async def test_empty_study_says_so():
    app = ParetoHost(records=[TrialRecord(0, "running"), TrialRecord(1, "failed")], highlighted=None)
    async with app.run_test(size=(80, 24)) as pilot:
        plot = app.screen.query_one(ParetoPlot)
        assert "no complete trials yet" in plot.render().plain
        await pilot.press("right", "a", "right")
        assert app.screen.highlighted is None


@pytest.mark.asyncio
async def test_clicking_a_point_highlights_it():
    app = ParetoHost(highlighted=1)
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.screen.query_one(ParetoPlot)
        plot.render()
        assert await pilot.click(ParetoPlot, offset=plot.cell_of(6))
        assert app.screen.highlighted == 6


def with_repeats_of_1(*accuracies: float) -> list[TrialRecord]:
    """`RECORDS` and seed repeats of trial 1 (numbered from 10) that reached ``accuracies``."""
    one = next(r for r in RECORDS if r.number == 1)
    return RECORDS + [TrialRecord(10 + i, "complete", {}, (accuracy, *one.values[1:]), {REPEAT_OF: 1})
                      for i, accuracy in enumerate(accuracies)]


def column_of(plot: ParetoPlot, number: int) -> list[tuple[int, str]]:
    """(row, glyph) of every drawn cell in trial ``number``'s column, top down."""
    col, _ = plot.cell_of(number)
    return [(row, line[col]) for row, line in enumerate(plot.render().plain.split("\n")) if line[col] != " "]


@pytest.mark.asyncio
async def test_repeats_are_not_plotted_and_their_original_has_a_bar_over_its_seeds():
    # 0.99 is above every other trial: the y range grows so the bar's top stays on the plot.
    app = ParetoHost(records=with_repeats_of_1(0.99, 0.91), highlighted=11)
    async with app.run_test(size=(100, 30)):
        screen = app.screen
        assert screen.highlighted == 1  # a repeat highlights its original
        plot = screen.query_one(ParetoPlot)
        assert {p.number for p in plot.points} == {r.number for r in RECORDS if r.values}
        _, row_1 = plot.cell_of(1)
        _, row_6 = plot.cell_of(6)  # 0.96, the most accurate trial
        cells = column_of(plot, 1)
        bar = [row for row, glyph in cells if glyph == GLYPH_SPREAD]
        assert bar and min(bar) < row_6 and max(bar) > row_1  # from 0.99 down past 0.935 to 0.91
        rows = [row for row, glyph in cells if glyph in (GLYPH_SPREAD, GLYPH_HIGHLIGHT)]
        assert rows == list(range(min(bar), max(bar) + 1))  # one unbroken bar, the point on it
        assert column_of(plot, 3) and GLYPH_SPREAD not in dict(column_of(plot, 3)).values()
        caption = str(screen.query_one("#pareto-caption", Static).visual)
        line = book_of(app.records).seed_spread(1).line
        assert line.endswith("(0.9100–0.9900; trials 1, 10, 11)") and caption.endswith(f"{GLYPH_SPREAD} {line}")
        assert f"{GLYPH_SPREAD}[/$text-warning] seeds" in str(screen.query_one("#pareto-dialog").border_subtitle)


@pytest.mark.asyncio
async def test_without_repeats_the_legend_has_no_seeds_entry():
    app = ParetoHost(highlighted=1)
    async with app.run_test(size=(100, 30)):
        assert GLYPH_SPREAD not in str(app.screen.query_one("#pareto-dialog").border_subtitle)
        assert GLYPH_SPREAD not in app.screen.query_one(ParetoPlot).render().plain


def test_snapshot_80x24(snap_compare):
    assert snap_compare(ParetoHost(highlighted=1), terminal_size=(80, 24))


def test_snapshot_160x48_latency_axis(snap_compare):
    assert snap_compare(ParetoHost(highlighted=0), press=["a"], terminal_size=(160, 48))


def test_snapshot_80x24_with_seed_repeats(snap_compare):
    assert snap_compare(ParetoHost(records=with_repeats_of_1(0.945, 0.921), highlighted=1), terminal_size=(80, 24))
