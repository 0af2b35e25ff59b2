"""F7 (+5) while a study runs raises the running study's target: the run goes on to it without F5."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine
from pilot_wait import until

from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.asyncio


async def run_to_the_end(app, engine, pilot, trials):
    for n in range(trials):
        await until(pilot, lambda: app.book.count("running") == 1 or app.state == "finished",
                    f"trial {n} running")
        if app.state == "finished":
            break
        engine.release()
        await until(pilot, lambda: app.book.count("complete") == n + 1, f"trial {n} complete")
    await until(pilot, lambda: app.state in ("finished", "paused"), "the run ended")


async def test_f7_while_running_reaches_the_running_study():
    engine = FakeEngine(gated=True)
    app = create_app(engine, trials=2)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "the first trial runs")
        await pilot.press("f7")
        assert app.target == 7
        await run_to_the_end(app, engine, pilot, 7)
        assert app.state == "finished"
        assert app.book.count("complete") == 7
        assert engine.runs == [2] and engine.extensions == [5]  # one run, raised; no second start


async def test_f7_as_the_run_ends_runs_the_added_trials_next():
    engine = FakeEngine(gated=True)
    engine.extend = lambda n_trials: False  # the run is past its last trial when the key arrives
    app = create_app(engine, trials=2)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "the first trial runs")
        await pilot.press("f7")
        await run_to_the_end(app, engine, pilot, 7)
        assert app.state == "finished" and app.book.count("complete") == 7
        assert engine.runs == [2, 5]


async def test_f7_while_pausing_raises_the_target_and_the_pause_holds():
    engine = FakeEngine(gated=True)
    app = create_app(engine, trials=2)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "the first trial runs")
        await pilot.press("f6")
        await pilot.press("f7")
        engine.release()
        await until(pilot, lambda: app.state == "paused", "paused after the running trial")
        assert app.target == 7 and app.book.count("complete") == 1 and engine.runs == [2]
