"""Repaints while a study runs: widgets repaint only what changed on screen, and what they show after a
partial repaint is what a fresh widget shows."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tinynas_tui.tui.widgets.status_bar import StatusBar


class StatusApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


@pytest.mark.asyncio
async def test_status_bar_repaints_only_when_the_shown_eta_changes():
    app = StatusApp()
    async with app.run_test(size=(100, 3)) as pilot:
        status = app.query_one(StatusBar)
        status.state, status.eta = "running", 12.2
        await pilot.pause()
        renders = []
        original = status.render
        status.render = lambda: renders.append(1) or original()  # type: ignore[method-assign]
        status.eta = 11.8  # shown as 0:12 too
        await pilot.pause()
        assert renders == []
        status.eta = 70.0
        await pilot.pause()
        assert renders == [1] and "ETA 1:10" in status.render().plain
