"""The command palette offers every key binding of the app and the table, and the keys panel closes
with Escape."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.tui.commands import StudyCommands, palette_bindings
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.trial_table import TrialTable

pytestmark = pytest.mark.asyncio


def opened_app():
    return create_app(FakeEngine([complete_record(i) for i in range(3)]), paused=True)


async def hits(app, query):
    provider = StudyCommands(app.screen)
    return [hit async for hit in provider.search(query)]


async def test_every_binding_of_the_app_and_the_table_is_in_the_palette():
    app = opened_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        provider = StudyCommands(app.screen)
        discovered = {hit.text: hit for hit in [h async for h in provider.discover()]}
        offered = {b.action for b, _ in palette_bindings(app)}
        for needed in ("cycle_sort", "reverse_sort", "toggle_mark", "show_help_panel", "start", "more_trials"):
            assert needed in offered
        table_moves = {"cursor", "page", "ends"}
        for binding in [*type(app).BINDINGS, *TrialTable.BINDINGS]:
            if binding.action.split("(")[0] in table_moves:
                continue
            title = f"{binding.description}: {binding.tooltip}"
            assert title in discovered, f"{binding.id} is not in the palette"
            assert [str(h.text) for h in await hits(app, binding.description)], binding.id


async def test_palette_runs_the_tables_sort_and_mark():
    app = opened_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        table = app.query_one(TrialTable)
        column, reverse = table.sort_column, table.sort_reverse
        (mark,) = [h for h in await hits(app, "Mark") if str(h.text).startswith("Mark:")]
        await mark.command()
        await until(pilot, lambda: len(table.marked) == 1, "the highlighted trial marked from the palette")
        (sort,) = [h for h in await hits(app, "Sort") if str(h.text).startswith("Sort:")]
        await sort.command()
        await until(pilot, lambda: table.sort_column != column, "sorted by the next column from the palette")
        (rev,) = [h for h in await hits(app, "Reverse") if str(h.text).startswith("Reverse:")]
        await rev.command()
        await until(pilot, lambda: table.sort_reverse != reverse, "the sort reversed from the palette")


async def test_help_is_found_and_escape_closes_the_keys_panel():
    app = opened_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        (help_hit,) = [h for h in await hits(app, "help") if "show_help_panel" in repr(h.command)]
        await help_hit.command()
        await until(pilot, lambda: bool(app.screen.query("HelpPanel")), "the keys panel shown")
        await pilot.press("escape")
        await until(pilot, lambda: not app.screen.query("HelpPanel"), "the keys panel closed by Escape")
        await pilot.press("f1")
        await until(pilot, lambda: bool(app.screen.query("HelpPanel")), "F1 shows the keys panel")
        await pilot.press("escape")
        await until(pilot, lambda: not app.screen.query("HelpPanel"), "closed again")
