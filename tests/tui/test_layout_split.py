"""The main column's split follows the content: the table as tall as its rows (up to its share), the
detail the rest, so a few trials leave the detail room for its whole layer table."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.core import figures
from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.asyncio

LAYERS = [{"name": f"layer_{i}", "type": "Conv2D", "output_shape": [None, 26, 26, 8], "params": 80 * i}
          for i in range(14)]


def with_many_layers(number: int):
    record = complete_record(number)
    return replace(record, attrs={**record.attrs, figures.LAYERS: LAYERS})


async def opened(n: int, size: tuple[int, int]):
    engine = FakeEngine([with_many_layers(i) for i in range(n)])
    app = create_app(engine, trials=0, paused=True)
    return engine, app


async def shown(app, pilot, n):
    await until(pilot, lambda: app.book.count("complete") == n, "the trials are read")
    await until(pilot, lambda: app._detail.up_to_date and len(app._detail._lines) > 5, "the detail is drawn")
    await pilot.pause()


def detail_lines_shown(app) -> int:
    return app._detail.scrollable_content_region.height


def table_rows_shown(app) -> int:
    return app._table.scrollable_content_region.height - 1  # less the header


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_with_few_trials_the_table_is_short_and_the_detail_has_the_rest(size):
    _, app = await opened(3, size)
    async with app.run_test(size=size) as pilot:
        await shown(app, pilot, 3)
        assert app._table.outer_size.height <= 5  # the header, 3 rows, the minimum's one blank line
        if size == (160, 48):
            assert detail_lines_shown(app) >= len(app._detail._lines), "the layer table is cut"
        assert app._detail.outer_size.height > app._table.outer_size.height


async def test_with_many_trials_the_table_takes_its_share_and_the_detail_the_rest():
    _, app = await opened(40, (160, 48))
    async with app.run_test(size=(160, 48)) as pilot:
        await shown(app, pilot, 40)
        assert table_rows_shown(app) >= 24
        assert detail_lines_shown(app) >= 12
        column = app.query_one("#main").size.height
        assert app._table.outer_size.height <= 0.6 * column + 1


async def test_at_80_columns_many_trials_share_the_column_evenly():
    _, app = await opened(40, (80, 24))
    async with app.run_test(size=(80, 24)) as pilot:
        await shown(app, pilot, 40)
        assert table_rows_shown(app) >= 8
        assert detail_lines_shown(app) >= 6


async def test_the_table_grows_with_the_trials_of_a_run_then_stops_at_its_share():
    engine = FakeEngine(gated=True)
    app = create_app(engine, trials=30)
    async with app.run_test(size=(160, 48)) as pilot:
        for n in range(1, 30):
            await until(pilot, lambda: app.book.count("running") == 1, f"trial {n - 1} runs")
            engine.release()
            await until(pilot, lambda: app.book.count("complete") == n, f"trial {n - 1} complete")
            await pilot.pause()
            rows = n + 1  # the running trial has its row too
            if rows + 1 <= 0.6 * app.query_one("#main").size.height:
                assert table_rows_shown(app) >= rows, f"{n} trials: the table shows {table_rows_shown(app)} rows"
                assert table_rows_shown(app) <= max(rows, 4)
        assert table_rows_shown(app) >= 24
