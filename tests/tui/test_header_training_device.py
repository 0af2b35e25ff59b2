"""The header names where this run's trials train: from --gpus or --cpu, else from a trial this run finished."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.core import figures
from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.asyncio


def header_line(app) -> str:
    return app.query_one("#status").render_line(0).text


def details(app) -> list[str]:
    """The details after the progress (the study's, then where trials train), without ``↓following``."""
    line = header_line(app)
    assert "│" in line, line
    return line.split("│", 1)[1].split("  ↓following")[0].strip().split(" · ")


@pytest.mark.parametrize("trains_on", ["GPUs 0,1", "CPU"])
async def test_the_options_name_the_device_before_any_trial(trains_on):
    engine = FakeEngine()
    engine.trains_on = trains_on
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "the study is open")
        await pilot.pause()
        line = header_line(app)
        assert details(app)[-2:] == ["m4-1m", trains_on] and line.rstrip().endswith("↓following"), line


async def test_without_options_a_trial_this_run_finishes_names_it():
    # A trial of an earlier run trained elsewhere: it says nothing about this run's workers.
    earlier = complete_record(0)
    earlier.attrs[figures.TRAINED_ON] = "GPU 3 (NVIDIA A100-SXM4-80GB)"
    engine = FakeEngine([earlier], gated=True)
    engine.trained_on = "GPU 0 (NVIDIA H200)"
    app = create_app(engine, trials=2)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        await pilot.pause()
        assert details(app)[-1] == "m4-1m", header_line(app)  # nothing after the board yet
        engine.release()
        await until(pilot, lambda: app.book.count("complete") == 2, "this run's first trial finishes")
        await pilot.pause()
        assert details(app)[-2:] == ["m4-1m", "GPU 0 (H200)"], header_line(app)
        engine.release()
        await until(pilot, lambda: app.state == "finished", "the run ends")


async def test_the_options_win_over_what_a_trial_records():
    engine = FakeEngine(gated=True)
    engine.trains_on, engine.trained_on = "GPU 1", "GPU 1 (NVIDIA H200)"
    app = create_app(engine, trials=1)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        engine.release()
        await until(pilot, lambda: app.state == "finished", "the run ends")
        await pilot.pause()
        assert details(app)[-2:] == ["m4-1m", "GPU 1"], header_line(app)


async def test_at_80_columns_the_device_gives_way_to_the_state_progress_and_eta():
    engine = FakeEngine(gated=True)
    engine.trained_on = "GPU 0 (NVIDIA GeForce RTX 4090)"
    app = create_app(engine, trials=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        engine.release()
        await until(pilot, lambda: app.book.count("complete") == 1 and app.book.count("running") == 1,
                    "one trial finished, the next runs")
        await pilot.pause()
        assert app.query_one("#status").trains_on == "GPU 0 (RTX 4090)"
        line = header_line(app)
        assert "● running" in line and "1/3 trials" in line and "ETA" in line, line
        assert len(line) <= 80, line
        engine.release(2)
        await until(pilot, lambda: app.state == "finished", "the run ends")
