"""Snapshots of the importance and compare views, against the fake engine (deterministic, paused)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from pilot_wait import until

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.importance import MIN_TRIALS
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.compare_screen import CompareScreen
from tinynas_tui.tui.screens.importance_screen import ImportanceScreen, ObjectiveBars
from tinynas_tui.tui.widgets.trial_table import TrialTable

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


def make_app():
    records = [complete_record(i) for i in range(MIN_TRIALS + 2)] + [failed_record(MIN_TRIALS + 2)]
    return create_app(FakeEngine(records), trials=5, paused=True, budgets=Budgets(max_flash_kb=100.0))


async def wait(pilot, predicate):
    await until(pilot, predicate, "the view settled")


async def opened(pilot):
    await wait(pilot, lambda: pilot.app.state == "paused")


@SIZES
def test_importance_view(snap_compare, size):
    async def importance(pilot):
        await opened(pilot)
        await pilot.press("i")
        await wait(pilot, lambda: isinstance(pilot.app.screen, ImportanceScreen)
                   and len(pilot.app.screen.query(ObjectiveBars)) == 4)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=importance)


@SIZES
def test_compare_view(snap_compare, size):
    async def compare(pilot):
        await opened(pilot)
        table = pilot.app.query_one(TrialTable)
        for n in (1, 4):
            table.move_to(n)
            await pilot.press("space")
        await pilot.press("c")
        await wait(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=compare)
