"""The header at 80 columns: a long study name or storage URL never pushes the state and progress off."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine
from pilot_wait import until

from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.asyncio

LONG_STUDY = "mnist-5k-single-conv-quick-with-a-name-long-enough-to-fill-i"  # 60 characters
LONG_URL = "postgresql://searcher:***@db.example.internal.lab:5432/tinynas_studies_archive"


def header_line(app) -> str:
    return app.query_one("#status").render_line(0).text


async def test_a_long_study_name_is_cut_and_the_state_and_progress_stay():
    assert len(LONG_STUDY) == 60
    engine = FakeEngine(gated=True)
    app = create_app(engine, trials=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        status = app.query_one("#status")
        status.study, status.storage = LONG_STUDY, LONG_URL
        await pilot.pause()
        line = header_line(app)
        assert "● running" in line and "0/3 trials" in line and "ETA" in line, line
        assert "…" in line and LONG_STUDY[:20] in line and LONG_STUDY not in line, line
        assert len(line) <= 80
        engine.release(3)
        await until(pilot, lambda: app.state == "finished", "the run ends")
        await pilot.pause()
        line = header_line(app)
        assert "● finished" in line and "3/3 trials" in line, line


async def test_a_short_study_name_is_whole_and_the_details_follow_where_they_fit():
    engine = FakeEngine()
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "the study is open")
        status = app.query_one("#status")
        status.study = LONG_STUDY
        await pilot.pause()
        line = header_line(app)
        assert LONG_STUDY in line and "● paused" in line and "│" in line, line
