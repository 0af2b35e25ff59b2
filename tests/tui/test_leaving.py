"""Tests leave the app as a user's quit does (see conftest): trial events that arrive from the engine's
thread while the widgets are being taken down are never handled against half-removed widgets."""

from __future__ import annotations

import asyncio

import pytest
from fake_engine import FakeEngine, complete_record, metrics_for, params_for
from pilot_wait import until

from tinynas_tui.core.events import TrialFinished, TrialStarted
from tinynas_tui.tui.app import TinyNasApp
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.messages import TrialEventArrived

pytestmark = pytest.mark.asyncio

SEEDED = 20


async def test_events_arriving_during_teardown_are_not_handled(monkeypatch):
    """CI once failed with `NoMatches: '#spark'`: a trial finished while `run_test` removed the widgets."""
    engine = FakeEngine([complete_record(n) for n in range(SEEDED)], gated=True)
    app = create_app(engine, trials=1)
    posted: list[int] = []
    close_all = TinyNasApp._close_all

    async def close_all_under_events(self):
        # What the engine's thread may do at any moment: report trials while the screens are pruned.
        values, attrs = metrics_for(SEEDED)
        task = asyncio.ensure_future(close_all(self))
        number = SEEDED
        while not task.done():
            self.post_message(TrialEventArrived(TrialFinished(number, *values, metrics=attrs)))
            number += 1
            self.post_message(TrialEventArrived(TrialStarted(number, params_for(number))))
            posted.append(number)
            await asyncio.sleep(0)
        await task

    monkeypatch.setattr(TinyNasApp, "_close_all", close_all_under_events)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.get(SEEDED) is not None, f"trial {SEEDED} running")
        await pilot.pause()
    assert posted, "the teardown posted no event: the check checked nothing"
    assert len(app.book.complete()) == SEEDED  # none of the posted finishes reached a handler
    engine.release()
