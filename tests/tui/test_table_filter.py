"""The trial table's filter (`/`), marked count, same-architecture marks and fixed first columns, with
the fake engine at 80×24 (and 160×48 where the layout matters)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from pilot_wait import until

from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.trial_filter import parse_filter
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.trial_table.lines import FIXED_WIDTH, TOTAL_WIDTH

pytestmark = pytest.mark.asyncio

SEEDED = 12


def seeded():
    return [failed_record(i) if i % 4 == 1 else complete_record(i) for i in range(SEEDED)]


def bar(app) -> str:
    return str(app.query_one("#table-bar").render())


async def opened(app, pilot, n=SEEDED):
    await until(pilot, lambda: app.table.rows.records and len(app.table.rows.records) >= n, "the table filled")
    await pilot.pause()


async def type_filter(pilot, text):
    await pilot.press("slash")
    await pilot.press("ctrl+a", "ctrl+k", *text)  # the input opens with the current filter: replace it
    await pilot.press("enter")
    await pilot.pause()


async def test_filter_by_state_and_parameter_then_clear():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot)
        table = app.table
        complete = [n for n in range(SEEDED) if n % 4 != 1]
        assert "none marked" in bar(app)
        await type_filter(pilot, "complete")
        assert table.rows.order == complete
        assert f"filter: complete · {len(complete)} of {SEEDED} trials" in bar(app)
        assert table.has_focus  # the keys go back to the table

        await type_filter(pilot, "complete, num_filters=16")
        expected = [n for n in complete if app.book.get(n).params["num_filters"] == 16]
        assert table.rows.order == expected and table.highlighted_number in expected
        assert f"{len(expected)} of {SEEDED}" in bar(app)

        await pilot.press("escape")  # clears it
        assert not table.filter.active and table.row_count == SEEDED and "filter:" not in bar(app)


async def test_an_unknown_parameter_is_refused_and_the_filter_stays():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot)
        await type_filter(pilot, "complete")
        await type_filter(pilot, "filters=16")
        assert any("unknown parameter 'filters'" in n.message for n in app._notifications)
        assert app.table.filter.describe() == "complete"
        await pilot.press("escape")  # closes the input, unchanged
        assert app.table.has_focus and app.table.filter.describe() == "complete"


async def test_live_trials_arrive_and_leave_under_a_filter_with_follow_and_marks():
    engine = FakeEngine(seeded(), gated=True)
    app = create_app(engine, trials=2)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.table
        await until(pilot, lambda: SEEDED in table.rows.records, "trial 12 started")
        await pilot.press("space")  # marks the running trial (follow mode has the cursor on it)
        assert "1 marked" in bar(app)
        table.set_filter(parse_filter("complete"))
        await pilot.pause()
        assert SEEDED not in table.rows.shown and table.highlighted_number in table.rows.shown
        assert "1 marked, 1 hidden" in bar(app)
        shown = table.row_count
        engine.release()  # trial 12 completes: its row appears, and follow mode goes to it
        await until(pilot, lambda: SEEDED in table.rows.shown, "trial 12 shown once complete")
        assert table.row_count == shown + 1 and table.highlighted_number == SEEDED
        await until(pilot, lambda: SEEDED + 1 in table.rows.records, "trial 13 started")
        await pilot.pause()
        assert f"{shown + 1} of {SEEDED + 2} trials" in bar(app) and "1 marked" in bar(app)
        assert SEEDED + 1 not in table.rows.shown  # running: filtered out
        table.set_filter(parse_filter("num_filters=8"))
        await pilot.pause()
        assert all(app.book.get(n).params["num_filters"] == 8 for n in table.rows.order)
        engine.release()


async def test_rows_that_stop_matching_go():
    """A trial on the front leaves a `front` filter's rows when a better trial arrives."""
    engine = FakeEngine([TrialRecord(0, "complete", {"num_filters": 8}, (0.5, 100.0, 5.0))])
    app = create_app(engine, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, 1)
        app.table.set_filter(parse_filter("front"))
        assert app.table.rows.order == [0]
        app.on_trials_polled(type("M", (), {"records": [TrialRecord(1, "complete", {"num_filters": 8},
                                                                    (0.9, 10.0, 1.0))]})())
        await pilot.pause()
        assert app.table.rows.order == [1] and "1 of 2 trials" in bar(app)


async def test_same_architecture_marks_and_params_read_for_a_summary_open():
    full = [complete_record(i) for i in range(SEEDED)]
    partial = [TrialRecord(r.number, r.state, {}, r.values, r.attrs, partial=True) for r in full]
    engine = FakeEngine(partial)
    engine.full = {r.number: r for r in full}
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened(app, pilot)
        await until(pilot, lambda: engine.params_reads == 1 and app.book.get(5).params, "parameters read")
        await pilot.pause()
        table = app.table
        keys = {}
        for r in full:
            key = tuple(sorted((k, v) for k, v in r.params.items() if k not in ("lr", "dropout", "batch_size")))
            keys.setdefault(key, []).append(r.number)
        for members in keys.values():
            for n in members:
                assert table.get_cell(n, "arch") == (f"≡{members[0]}" if len(members) > 1 else "")
        assert any(len(m) > 1 for m in keys.values())


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_first_columns_stay_and_the_last_column_is_not_under_the_scrollbar(size):
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=size) as pilot:
        await opened(app, pilot)
        table = app.table
        table.scroll_to(x=TOTAL_WIDTH, animate=False, immediate=True)
        await pilot.pause()
        width = table.scrollable_content_region.width
        header = table.render_line(0).text
        assert len(header) == width
        assert header.startswith(" ✓  #▲ ")  # the mark and the number, however far it scrolled
        assert header.rstrip().endswith("arch") and "MACs" in header
        row = table.render_line(1).text
        first = table.rows.order[round(table.scroll_y)]
        assert row[:FIXED_WIDTH].strip() == str(first)
        macs = table.get_cell(first, "macs")
        assert macs in row
        # The view ends where the scrollbar begins: nothing of the row lies under it.
        assert table.scrollable_content_region.right <= table.region.right - table.scrollbar_size_vertical


async def test_a_big_summary_open_reads_parameters_only_when_a_filter_needs_them(monkeypatch):
    from tinynas_tui.tui import trial_params

    monkeypatch.setattr(trial_params, "READ_AT_ONCE", 3)  # 12 trials stand for a big study here
    full = [complete_record(i) for i in range(SEEDED)]
    engine = FakeEngine([TrialRecord(r.number, r.state, {}, r.values, r.attrs, partial=True) for r in full])
    engine.full = {r.number: r for r in full}
    app = create_app(engine, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot)
        await until(pilot, lambda: app.state == "paused", "opened")
        table = app.table
        assert engine.params_reads == 0 and table.get_cell(0, "arch") == ""
        await type_filter(pilot, "num_filters=16")
        await until(pilot, lambda: engine.params_reads == 1 and table.row_count > 0, "parameters read for the filter")
        assert table.rows.order == [r.number for r in full if r.params["num_filters"] == 16]
