"""The export dialog ticks only the formats the study can give: the .keras only when the study keeps it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.export_screen import ExportScreen

pytestmark = pytest.mark.asyncio


async def ticked(keep_keras: bool, size=(80, 24)) -> list[str]:
    engine = FakeEngine([complete_record(i) for i in range(3)])
    engine.pipeline = replace(engine.pipeline, keep_keras=keep_keras)
    app = create_app(engine, paused=True)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.query("#export-formats"),
                    "the export dialog")
        return list(app.screen.query_one("#export-formats").selected)


async def test_a_study_that_keeps_no_keras_is_not_offered_keras_by_default():
    assert await ticked(False) == ["tflite", "c", "json", "csv", "md"]


async def test_a_study_that_keeps_keras_has_it_ticked():
    assert await ticked(True, size=(160, 48)) == ["tflite", "c", "keras", "json", "csv", "md"]
