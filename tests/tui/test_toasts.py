"""Toasts: a few at a time, never over the detail's first line (the trial, its state, rank and score)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until
from textual.widgets._toast import Toast

from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.asyncio


def toasts(app) -> list[Toast]:
    return list(app.screen.query(Toast))


async def open_app(pilot, app, n):
    await until(pilot, lambda: app.book.count("complete") == n, "the trials are read")
    await until(pilot, lambda: app._detail.up_to_date, "the detail is drawn")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
@pytest.mark.parametrize("n", [3, 40])
async def test_three_notices_in_a_row_leave_at_most_two_toasts_off_the_detail_head(size, n):
    app = create_app(FakeEngine([complete_record(i) for i in range(n)]), trials=0, paused=True)
    async with app.run_test(size=size, notifications=True) as pilot:
        await open_app(pilot, app, n)
        app.notify("Storage busy (locked); retrying in 0.5 s", title="Storage busy", severity="warning")
        app.notify("Trial 3 stopped beating (its process died or was stopped): failed", title="Trial lost",
                   severity="warning")
        app.notify("Target raised to 12 trials.")
        await until(pilot, lambda: toasts(app) and all(t.region for t in toasts(app)), "the toasts show")
        await pilot.pause()
        shown = toasts(app)
        assert len(shown) <= 2
        assert "Target raised" in str(shown[-1].render())
        head = app._detail.region
        head_line = head.__class__(head.x, head.y + 1, head.width, 1)  # under its top border
        for toast in shown:
            assert not toast.region.overlaps(head_line), (toast.region, head_line)


async def test_a_notice_replaces_the_older_one_of_its_kind():
    app = create_app(FakeEngine([complete_record(i) for i in range(3)]), trials=0, paused=True)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_app(pilot, app, 3)
        app.notify("Export failed: disk full", title="Export failed", severity="error")
        for seconds in (0.5, 1.0, 2.0):
            app.notify(f"Storage busy (locked); retrying in {seconds} s", title="Storage busy", severity="warning")
        await until(pilot, lambda: len(toasts(app)) == 2, "two toasts show")
        await pilot.pause()
        texts = [str(t.render()) for t in toasts(app)]
        assert any("disk full" in t for t in texts) and any("2.0 s" in t for t in texts), texts
