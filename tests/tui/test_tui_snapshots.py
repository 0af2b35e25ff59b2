"""Snapshots of the main screen and each modal, against the fake engine (deterministic, paused)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record

from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.confirm import ConfirmScreen
from tinynas_tui.tui.screens.error import ErrorScreen


def make_app():
    records = [complete_record(i) for i in range(9)] + [failed_record(9)]
    return create_app(FakeEngine(records), trials=5, paused=True)


async def opened(pilot):
    for _ in range(400):
        if pilot.app.state == "paused":
            break
        await pilot.pause(0.01)
    pilot.app.query_one("#trials").move_to(2)
    await pilot.pause()
    for _ in range(400):  # the detail is rendered in a worker thread
        if pilot.app.query_one("#detail").up_to_date:
            break
        await pilot.pause(0.01)


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
