"""Snapshots of the study switcher, against the fake engine with two more studies (deterministic)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from pilot_wait import until

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.tui.factory import create_app


def make_app():
    engine = FakeEngine([complete_record(i) for i in range(9)] + [failed_record(9)])
    engine.add_study("mnist-5k-single-conv-quick-num_filters=8,32", [complete_record(i) for i in range(3)])
    engine.add_study("cifar-blocks-compress", [], study_budgets=Budgets(max_flash_kb=256))
    return create_app(engine, trials=5, paused=True)


async def switcher(pilot):
    await until(pilot, lambda: pilot.app.state == "paused", "the study opened")
    await pilot.press("o")
    await until(pilot, lambda: getattr(pilot.app.screen, "names", None), "the list of studies")  # read in a thread
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_study_switcher(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=switcher)
