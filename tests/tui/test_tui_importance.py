"""The importance view against the fake engine: computing, the figures, too few trials, a failure."""

from __future__ import annotations

import threading

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from pilot_wait import until

from tinynas_tui.core.importance import MIN_TRIALS
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.importance_screen import COMPUTING, ImportanceScreen, ObjectiveBars

pytestmark = pytest.mark.asyncio


def records(n_complete: int):
    return [complete_record(i) for i in range(n_complete)] + [failed_record(n_complete)]


async def opened(pilot):
    await until(pilot, lambda: pilot.app.state == "paused", "opened")


def screen(app) -> ImportanceScreen:
    assert isinstance(app.screen, ImportanceScreen)
    return app.screen


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_shows_computing_then_each_objective_ranked_with_its_trial_count(size):
    engine = FakeEngine(records(MIN_TRIALS + 2))
    engine.importance_gate = threading.Event()
    app = create_app(engine, paused=True)
    async with app.run_test(size=size) as pilot:
        await opened(pilot)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportanceScreen), "the importance view")
        assert screen(app).plain_text().startswith(COMPUTING)
        engine.importance_gate.set()
        await until(pilot, lambda: len(app.screen.query(ObjectiveBars)) == 4, "four objectives")
        report = screen(app).report
        text = screen(app).plain_text()
        assert f"over {MIN_TRIALS + 2} complete trials" in text and "fake evaluator" in text
        assert "Few trials" in text  # fewer than STABLE_TRIALS: said
        for entry in report.objectives:
            assert f"{entry.label}  · {MIN_TRIALS + 2} trials" in text
            name, share = entry.ranked[0]
            assert f"{share:.1%}" in text and name in text
        await pilot.pause()
        assert "TFLite" in app.export_screenshot()  # drawn on screen
        # Drawn to its width once laid out (a resize redraws the bars): nothing wraps or is cut.
        await until(pilot, lambda: all(bars.size.height == 1 + len(bars.entry.ranked)
                                       for bars in app.screen.query(ObjectiveBars)), "the bars fit their width")
        for bars in app.screen.query(ObjectiveBars):
            assert bars.size.width <= size[0]
        assert engine.importance_weights == [app.weights]
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ImportanceScreen), "closed")


async def test_too_few_trials_says_how_many_are_needed():
    app = create_app(FakeEngine(records(3)), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportanceScreen) and app.screen.report is not None,
                    "the report")
        text = screen(app).plain_text()
        assert f"needs at least {MIN_TRIALS} complete trials (has 3)" in text
        assert not app.screen.query(ObjectiveBars)


async def test_a_failing_engine_is_said_not_raised():
    engine = FakeEngine(records(MIN_TRIALS))
    engine.importance_error = RuntimeError("database is locked")
    app = create_app(engine, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportanceScreen) and app.screen.error is not None,
                    "the error")
        assert "Could not compute the importance: database is locked" in screen(app).plain_text()
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ImportanceScreen), "closed")
        assert app.is_running


async def test_the_score_uses_the_weights_shown():
    engine = FakeEngine(records(MIN_TRIALS))
    app = create_app(engine, paused=True, weights=Weights(1.0, 2.0, 3.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("i")
        await until(pilot, lambda: engine.importance_weights, "computed")
        assert engine.importance_weights == [Weights(1.0, 2.0, 3.0)]
        await until(pilot, lambda: screen(app).report is not None, "the report")
        assert "The score weighs ACC, SIZE, LATENCY by 1,2,3" in screen(app).plain_text()
        await pilot.press("i")  # over the view: no second view
        await pilot.pause()
        assert len(app.screen_stack) == 2 and len(engine.importance_weights) == 1


def panel_text(panel) -> str:
    """The keys panel's text, every row (not only those on screen)."""
    import io

    from rich.console import Console

    console = Console(width=200, file=io.StringIO(), color_system=None)
    for table in panel.query("BindingsTable"):
        console.print(table.render())
    return console.file.getvalue()


async def test_the_keys_are_in_the_palette_and_the_help():
    from textual.widgets import HelpPanel

    from tinynas_tui.tui.commands import palette_bindings

    app = create_app(FakeEngine(records(1)), paused=True)
    ids = {binding.id for binding, _ in palette_bindings(app)}
    assert {"view.importance", "view.compare"} <= ids
    async with app.run_test(size=(160, 48)) as pilot:
        await opened(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: app.screen.query(HelpPanel), "the keys panel")
        await pilot.pause()
        # Every key is in the panel (it scrolls when they outnumber the lines).
        shown = panel_text(app.screen.query_one(HelpPanel))
        assert "Which parameters decide" in shown and "Compare the two marked" in shown


async def test_not_before_the_study_is_open():
    engine = FakeEngine(records(MIN_TRIALS), fail_open=RuntimeError("no such database"))
    app = create_app(engine, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state == "failed", "the open failed")
        await pilot.press("escape")  # the error dialog
        await until(pilot, lambda: len(app.screen_stack) == 1, "back on the main screen")
        await pilot.press("i")
        await until(pilot, lambda: any("not open yet" in n.message for n in app._notifications), "the toast")
        assert not isinstance(app.screen, ImportanceScreen) and engine.importance_weights == []
