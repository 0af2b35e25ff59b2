"""The score panel shows the study's hypervolume and its history, which grows as trials complete."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.core.hypervolume import HypervolumeHistory
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.score_spark import ScoreSpark, ScoreSparkline

pytestmark = pytest.mark.asyncio


def _expected(engine: FakeEngine, numbers) -> HypervolumeHistory:
    hv = HypervolumeHistory(engine.info().hv_reference)
    for n in numbers:
        hv.add(complete_record(n).values)
    return hv


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_hypervolume_line_shows_the_figure_and_grows_live(size):
    engine = FakeEngine([complete_record(n) for n in range(3)], gated=True)
    app = create_app(engine, trials=1)
    async with app.run_test(size=size) as pilot:
        label = app.query_one("#hv-label")
        opened = _expected(engine, range(3))
        assert opened.current > 0
        await until(pilot, lambda: str(label.render()) == f"hypervolume {opened.current:.2f}", "the figure")
        spark = app.query_one("#hv-spark", ScoreSparkline)
        assert spark.data == opened.history and spark.size.height == 1 and spark.size.width > 10
        score_spark = app.query_one(ScoreSpark).query_one("#spark", ScoreSparkline)
        assert score_spark.size.height == 1  # the panel keeps its 3 lines
        await until(pilot, lambda: app.state == "running", "running")
        engine.release()
        await until(pilot, lambda: len(spark.data) == 4, "the new trial's point")
        after = _expected(engine, range(4))
        assert spark.data == after.history and str(label.render()) == f"hypervolume {after.current:.2f}"
        assert spark.data[-1] >= spark.data[-2]


async def test_no_complete_trial_shows_a_dash():
    engine = FakeEngine([], gated=True)
    app = create_app(engine, trials=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.info is not None, "opened")
        assert str(app.query_one("#hv-label").render()) == "hypervolume –"
