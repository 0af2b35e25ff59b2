"""The footer at 80 columns: every hint shown is whole, nothing shows through, and what a narrow
screen hides is in the command palette; a wide screen shows every hint."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tinynas_tui.tui.commands import palette_bindings
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.app_footer import SECONDARY_ACTIONS

pytestmark = pytest.mark.asyncio


def footer_line(app) -> str:
    """The footer's row as drawn on the terminal (the composited screen, not the widget alone)."""
    row = app.query_one(Footer).region.y
    return app.screen._compositor.render_strips()[row].text


def shown_keys(app) -> list[FooterKey]:
    return [k for k in app.query_one(Footer).query(FooterKey) if k.display]


def hint(key: FooterKey) -> str:
    return f"{key.key_display} {key.description}"


async def test_at_80_columns_each_hint_is_whole_and_nothing_shows_through():
    app = create_app(FakeEngine([complete_record(i) for i in range(5)]), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        await until(pilot, lambda: any(k.action == "toggle_mark" for k in shown_keys(app)), "table hints")
        await pilot.pause()
        keys = shown_keys(app)
        palette = next(k for k in keys if k.has_class("-command-palette"))
        hints = [k for k in keys if k is not palette]
        line = footer_line(app)
        # The hints whole, left to right, then blanks, then the palette key flush with the right edge:
        # nothing cut, no letter of a hidden hint showing through.
        assert line == " ".join(hint(k) for k in hints).ljust(80 - palette.region.width) + "▏" + hint(palette)
        assert palette.region.right == 80
        for key in hints:  # each whole on screen, none under the palette key
            assert key.region.right <= palette.region.x, hint(key)
        assert {"start", "pause", "stop", "export", "pareto", "quit", "toggle_mark"} <= {k.action for k in hints}
        # What the narrow footer leaves out is still one palette search away.
        assert not SECONDARY_ACTIONS & {k.action for k in hints}
        assert SECONDARY_ACTIONS <= {binding.action for binding, _ in palette_bindings(app)}


async def test_a_wide_screen_shows_every_hint():
    app = create_app(FakeEngine([complete_record(i) for i in range(5)]), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        await until(pilot, lambda: any(k.action == "toggle_mark" for k in shown_keys(app)), "table hints")
        await pilot.pause()
        actions = {k.action for k in shown_keys(app)}
        assert SECONDARY_ACTIONS <= actions
        line = footer_line(app)
        assert "f7 +5" in line and "f3 Log" in line and "f2 Panel" in line and line.endswith("▏^p palette")
