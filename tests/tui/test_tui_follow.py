"""Follow mode at 80×24: the running trial's row stays highlighted and in view as trials start, until
the user moves the cursor; `f` turns it back on; `g` goes to the best-ranked trial."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.asyncio

SEEDED = 20


def on_screen(table) -> list[int]:
    """The trial numbers of the rows drawn in the table's view now."""
    top, height = round(table.scroll_y), table.scrollable_content_region.height - 1
    return table.rows.order[top:top + height]


async def running(app, pilot, number):
    await until(pilot, lambda: app.book.get(number) is not None and app.book.get(number).state == "running",
                f"trial {number} running")
    await pilot.pause()


async def test_a_new_running_trial_is_highlighted_and_in_view_until_the_user_moves():
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)], gated=True)
    app = create_app(engine, trials=3)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.table
        await running(app, pilot, SEEDED)
        assert table.following
        assert table.highlighted_number == SEEDED and SEEDED in on_screen(table)
        assert "following" in str(app._status.render())
        assert len(on_screen(table)) < SEEDED  # 80×24 shows only some rows: following had to scroll

        engine.release()
        await running(app, pilot, SEEDED + 1)
        assert table.highlighted_number == SEEDED + 1 and SEEDED + 1 in on_screen(table)

        await pilot.press("up")  # the user moves: follow mode ends
        assert not table.following and table.highlighted_number == SEEDED
        assert "following" not in str(app._status.render())
        engine.release()
        await running(app, pilot, SEEDED + 2)
        assert table.highlighted_number == SEEDED

        await pilot.press("f")  # back on: straight to the running trial
        assert table.following and table.highlighted_number == SEEDED + 2
        assert SEEDED + 2 in on_screen(table)
        engine.release(3)


async def test_a_move_from_the_pareto_view_ends_follow_mode():
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)], gated=True)
    app = create_app(engine, trials=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await running(app, pilot, SEEDED)
        app.table.move_to(3)  # what choosing a point in the Pareto view does
        engine.release()
        await running(app, pilot, SEEDED + 1)
        assert not app.table.following and app.table.highlighted_number == 3
        engine.release(2)


async def test_g_goes_to_the_best_trial():
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)])
    app = create_app(engine, trials=5, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        table = app.table
        assert table.highlighted_number == SEEDED - 1  # nothing runs: the newest trial
        best = app.ranking.best
        assert best is not None and best != SEEDED - 1
        await pilot.press("g")
        assert table.highlighted_number == best and best in on_screen(table)
        assert not table.following


async def test_the_running_trial_stays_in_view_when_the_terminal_shrinks():
    """Seen in tmux: at 160×48 following trial 10, resized to 80×24, the table showed trials 0-8 only."""
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)], gated=True)
    app = create_app(engine, trials=1)
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.table
        await running(app, pilot, SEEDED)
        assert table.following and SEEDED in on_screen(table)
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: table.size.height < 20 and SEEDED in on_screen(table),
                    "the running trial in view after the resize")
        assert table.highlighted_number == SEEDED
        engine.release()
