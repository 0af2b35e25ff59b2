"""Snapshots of the main screen and each modal, against the fake engine (deterministic, paused)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from pilot_wait import until
from textual.widgets import Input

from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.confirm import ConfirmScreen
from tinynas_tui.tui.screens.error import ErrorScreen


def make_app():
    records = [complete_record(i) for i in range(9)] + [failed_record(9)]
    return create_app(FakeEngine(records), trials=5, paused=True)


async def opened(pilot):
    await until(pilot, lambda: pilot.app.state == "paused", "the study opened")
    pilot.app.query_one("#trials").move_to(2)
    await pilot.pause()
    # the detail is rendered in a worker thread
    await until(pilot, lambda: pilot.app.query_one("#detail").up_to_date, "the detail rendered")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=opened)


def test_main_screen_with_side_panel_at_80x24(snap_compare):
    async def with_panel(pilot):
        await opened(pilot)
        await pilot.press("f2")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=with_panel)


def test_weights_tab_at_160x48(snap_compare):
    async def weights(pilot):
        await opened(pilot)
        pilot.app.action_focus_weights()
        # the first input is focused after the tab's refresh: its cursor is in the picture
        await until(pilot, lambda: isinstance(pilot.app.focused, Input)
                    and pilot.app.focused in pilot.app.query_one("#tab-weights").query(Input), "the weights focused")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=weights)


def test_confirm_modal(snap_compare):
    async def confirm(pilot):
        await opened(pilot)
        pilot.app.push_screen(ConfirmScreen("Stop the study?", "The running trial ends now and is recorded as "
                                            "failed (stopped). Completed trials are kept.", yes="Stop"))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=confirm)


def test_error_modal(snap_compare):
    async def error(pilot):
        await opened(pilot)
        pilot.app.push_screen(ErrorScreen("The study thread failed", "database is locked",
                                          "Traceback (most recent call last):\n  File \"runner.py\", line 1\n"
                                          "sqlite3.OperationalError: database is locked"))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=error)


def test_pareto_modal_from_the_app(snap_compare):
    async def pareto(pilot):
        await opened(pilot)
        await pilot.press("f4")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=pareto)


def test_export_modal(snap_compare):
    async def export(pilot):
        await opened(pilot)
        await pilot.press("space", "down", "space", "f9")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=export)


def test_running_trial_detail_at_80x24(snap_compare, monkeypatch):
    """A trial the app runs, held running after 3 epochs, its elapsed time fixed at 1:23."""
    from tinynas_tui.tui.widgets.trial_detail import view as detail_view

    class Clock:  # the detail's clock: real time until the trial runs, then its start + 83 s
        now = None

        @classmethod
        def time(cls):
            import time

            return time.time() if cls.now is None else cls.now

    monkeypatch.setattr(detail_view, "time", Clock)
    engine = FakeEngine([complete_record(i) for i in range(9)] + [failed_record(9)], gated=True, epochs=3)
    app = create_app(engine, trials=1)

    async def running(pilot):
        await until(pilot, lambda: (record := pilot.app.book.get(10)) is not None and record.live is not None
                    and len(record.live.epochs) == 3, "the running trial's three epochs")
        Clock.now = pilot.app.book.get(10).started_at + 83
        detail = pilot.app.query_one("#detail")
        def shown() -> bool:  # the detail is rendered in a worker thread, its time line by a 1 s timer
            pilot.app.query_one("#trials").move_to(10)
            return detail.up_to_date and detail._time_row is not None and "1:23" in detail._lines[detail._time_row].text

        await until(pilot, shown, "the running trial's detail at 1:23")

    assert snap_compare(app, terminal_size=(80, 24), run_before=running)
