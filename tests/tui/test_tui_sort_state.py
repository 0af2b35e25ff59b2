"""The sort is visible: the sorted column's header ends in ▲ (ascending) or ▼, and the toast says the
order in words ("score: best first"), not "(reversed)"."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from pilot_wait import until

from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.trial_table.lines import WIDTHS
from tinynas_tui.tui.widgets.trial_table.rows import SORTABLE

pytestmark = pytest.mark.asyncio


def header(app) -> list[str]:
    return app.table.render_line(0).text.split()


def toasts(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_the_sorted_column_shows_its_direction_and_the_toast_says_the_order():
    engine = FakeEngine([complete_record(i) for i in range(8)] + [failed_record(8)])
    app = create_app(engine, trials=5, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        table = app.table
        assert header(app)[:3] == ["✓", "#▲", "state"]  # by trial number, ascending
        await pilot.press("S")
        assert header(app)[:2] == ["✓", "#▼"] and table.rows.order[0] == 8
        assert "#: newest first" in toasts(app)

        x = sum(WIDTHS[:SORTABLE.index("score")]) + 2  # the score column's header
        await pilot.click("#trials", offset=(x, 0))
        assert "score▲" in header(app) and "#" in header(app) and "#▼" not in header(app)
        assert "score: worst first" in toasts(app)
        await pilot.click("#trials", offset=(x, 0))
        assert "score▼" in header(app) and table.rows.order[0] == app.ranking.best
        assert "score: best first" in toasts(app)
        assert not any("reversed" in text for text in toasts(app))

        table.sort_by("size")  # a header as wide as its column: the arrow takes its last place
        i = SORTABLE.index("size")
        start = sum(WIDTHS[:i])
        cell = app.table.render_line(0).text[start:start + WIDTHS[i]]
        assert cell.strip().endswith("▲") and cell.startswith(" ") and cell.endswith(" ")
