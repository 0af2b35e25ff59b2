"""The detail of a running trial: its epochs, elapsed and expected time, pre-flight figures; then the
finished view. A trial another process runs shows what storage has."""

from __future__ import annotations

import re
import time

import pytest
from fake_engine import FakeEngine, complete_record, epoch_logs, params_for, preflight_for
from pilot_wait import until

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.trial_detail import TrialDetail, count_text
from tinynas_tui.tui.widgets.trial_detail import view as detail_view

SEEDED = 4  # complete trials of 4.0 s each: the median a running trial is expected to take
RUNNING = SEEDED  # the number the fake engine gives the trial it runs
pytestmark = pytest.mark.asyncio


def shown_text(detail: TrialDetail, visible_only: bool = False) -> str:
    lines = detail._lines[: detail.scrollable_content_region.height] if visible_only else detail._lines
    return "\n".join(line.text for line in lines)


async def highlight(pilot, app, number: int) -> None:
    """Put the table's cursor on a trial once the table has its row."""
    def there() -> bool:
        app.table.move_to(number)
        return app.table.highlighted_number == number

    await until(pilot, there, f"trial {number} highlighted")


async def running_detail(pilot, app, epochs: int) -> TrialDetail:
    """Highlight the running trial once it reported ``epochs`` epochs; wait for its detail."""
    await until(pilot, lambda: (r := app.book.get(RUNNING)) is not None and r.live is not None
                and len(r.live.epochs) == epochs, "the running trial's epochs")
    await highlight(pilot, app, RUNNING)
    detail = app.query_one(TrialDetail)
    await until(pilot, lambda: detail.up_to_date and f"{epochs}/{epochs}" in shown_text(detail), "the detail")
    return detail


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_a_running_trial_shows_epochs_times_and_preflight_then_the_finished_view(size):
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)], gated=True, epochs=3)
    app = create_app(engine, trials=1, budgets=Budgets(max_flash_kb=64, max_ram_kb=4))
    async with app.run_test(size=size) as pilot:
        detail = await running_detail(pilot, app, 3)
        visible = shown_text(detail, visible_only=True).splitlines()
        # Most important first: even at 80×24 the stage, the time line and the epochs are on screen.
        assert visible[0].startswith(f"Trial {RUNNING}") and "train 3/3" in visible[0]
        assert re.match(r"elapsed 0:0\d · ≈ 0:04 expected \(median of 4 trials\)", visible[1])
        for epoch in (1, 2, 3):
            logs = epoch_logs(RUNNING, epoch)
            row = next(line for line in visible if line.lstrip().startswith(f"{epoch}/3 "))
            assert [f"{logs[k]:.4f}" for k in ("loss", "accuracy", "val_loss", "val_accuracy")] == row.split()[1:5]
        assert re.search(r"epoch\s+loss\s+acc\s+val_loss\s+val_acc\b", "\n".join(visible))
        text = shown_text(detail)
        pre = preflight_for(RUNNING)
        assert re.search(rf"parameters\s+{count_text(pre['params'])}", text)
        assert re.search(rf"MACs\s+{count_text(pre['macs'])}", text)
        assert re.search(rf"int8 size\s+≈ {pre['est_size_bytes'] / 1024:.1f} KiB, within 64 KiB", text)
        assert re.search(rf"peak RAM\s+≥ {pre['est_activation_bytes'] / 1024:.1f} KiB, over the 4 KiB budget", text)
        assert re.search(rf"num_filters\s+{params_for(RUNNING)['num_filters']}", text)
        engine.release()
        await until(pilot, lambda: app.book.get(RUNNING).state == "complete", "the trial finishes")
        await until(pilot, lambda: detail.up_to_date and "accuracy int8" in shown_text(detail), "the finished view")
        text = shown_text(detail)
        assert "elapsed" not in text and "epochs" not in text and "stage timings" in text
        assert detail._running_shown is None


async def test_elapsed_ticks_repainting_only_the_time_line(monkeypatch):
    offset = [0.0]

    class Clock:  # the view's clock, moved on by the test (the book's keeps real time)
        @staticmethod
        def time() -> float:
            return time.time() + offset[0]

    monkeypatch.setattr(detail_view, "time", Clock)
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)], gated=True, epochs=2)
    app = create_app(engine, trials=1)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await running_detail(pilot, app, 2)
        before = list(detail._lines)
        row = detail._time_row
        offset[0] = 125.0
        await until(pilot, lambda: "elapsed 2:0" in detail._lines[row].text, "the elapsed time ticks", timeout=5)
        assert [i for i, (a, b) in enumerate(zip(before, detail._lines)) if a is not b] == [row]
        engine.release()
        await until(pilot, lambda: app.book.get(RUNNING).state == "complete", "the trial finishes")
        await until(pilot, lambda: detail.up_to_date and "accuracy int8" in shown_text(detail), "the finished view")
        assert not detail._time_timer._active.is_set()  # no timer while no running trial is shown


async def test_a_shorter_view_renders_a_running_trial_again_only_when_it_shows_fewer_epochs():
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)], gated=True, epochs=4)
    app = create_app(engine, trials=1)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await running_detail(pilot, app, 4)
        # The rows the view has room for are read once the split has settled: a table still growing to
        # its rows (a layout on a busy machine) leaves the detail taller for a moment.
        table = app.table
        await until(pilot, lambda: table.scrollable_content_region.height == table.virtual_size.height
                    and detail._height == detail.scrollable_content_region.height and detail.up_to_date,
                    "the table as tall as its rows, the detail the rest")
        rows = detail._epoch_rows
        assert rows >= 4  # room for every epoch
        before = list(detail._lines)
        # Two lines less (as when the table grows by rows): room for fewer epochs, still all four.
        await pilot.resize_terminal(80, 24 - (rows - 4))
        await until(pilot, lambda: detail._epoch_rows == 4, "the view's epoch rows follow its height")
        assert detail.up_to_date and all(a is b for a, b in zip(before, detail._lines, strict=True))
        await pilot.resize_terminal(80, 24 - (rows - 3))
        await until(pilot, lambda: detail._epoch_rows == 3 and detail.up_to_date, "the last three epochs")
        assert "train epochs (last 3)" in shown_text(detail) and not re.search(r"^\s*1/4 ", shown_text(detail), re.M)
        engine.release()
        await until(pilot, lambda: app.book.get(RUNNING).state == "complete", "the trial finishes")


@pytest.mark.parametrize("height", [30, 24])  # 11 rows in the table: 11 lines of detail at 30, 6 at 24
async def test_the_newest_epoch_stays_on_screen_under_a_same_architecture_line(height):
    engine = FakeEngine([complete_record(i) for i in range(10)], gated=True, epochs=8)  # 10 is built as 4
    app = create_app(engine, trials=1)
    async with app.run_test(size=(80, height)) as pilot:
        await until(pilot, lambda: (r := app.book.get(10)) is not None and r.live is not None
                    and len(r.live.epochs) == 8, "the running trial's epochs")
        await highlight(pilot, app, 10)
        detail = app.query_one(TrialDetail)
        await until(pilot, lambda: detail.up_to_date and "8/8" in shown_text(detail), "the detail")
        visible = shown_text(detail, visible_only=True).splitlines()
        assert visible[1].startswith("same architecture as #4")
        assert any(line.startswith("8/8 ") for line in visible), visible
        engine.release()
        await until(pilot, lambda: app.book.get(10).state == "complete", "the trial finishes")


async def test_a_trial_another_process_runs_shows_its_start_and_says_why_no_progress():
    started = time.time() - 65
    other = TrialRecord(9, "running", params_for(9), attrs={figures.WORKER_HOST: "box:4242"}, started_at=started)
    engine = FakeEngine([complete_record(i) for i in range(SEEDED)] + [other])
    app = create_app(engine, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await highlight(pilot, app, 9)
        detail = app.query_one(TrialDetail)
        await until(pilot, lambda: detail.up_to_date and "another process" in shown_text(detail), "the detail")
        text = shown_text(detail)
        assert re.search(r"elapsed 1:0[5-9] · ≈ 0:04 expected \(median of 4 trials\)", text)
        assert "Run by another process (on box:4242)" in " ".join(text.split())
        assert "only for trials this UI runs" in " ".join(text.split())
        assert re.search(rf"dense_units\s+{params_for(9)['dense_units']}", text)

