"""The real app, engine and trial worker on a real one-trial study with tiny data."""

from __future__ import annotations

import time

import psutil
import pytest

from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.trial_table import TrialTable

pytestmark = [pytest.mark.tf, pytest.mark.asyncio]


async def test_real_app_runs_a_real_trial(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    options = RunOptions(train_samples=300, test_samples=100)
    app = create_app(OptunaEngine(validate(options)), trials=1)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 240
        stages = set()
        while app.state not in ("finished", "stopped", "failed") and time.monotonic() < deadline:
            record = app.book.get(0)
            if record is not None and record.stage:
                stages.add(record.stage.split()[0])
            await pilot.pause(0.05)
        assert app.state == "finished", app.state
        workers = [p for p in psutil.Process().children(recursive=True)
                   if "spawn_main" in " ".join(p.cmdline())]
        assert workers  # the warm trial worker
        record = app.book.get(0)
        assert record.state == "complete" and 0.0 <= record.accuracy <= 1.0
        assert abs(record.accuracy - record.attrs["float_accuracy"]) < 0.1
        assert record.attrs["arena_bytes"] > 0 and record.attrs["fully_int8"] is True
        assert str(app.query_one(TrialTable).get_cell("0", "acc")) == f"{record.accuracy:.4f}"
        assert {"build", "train", "convert"} <= stages  # the running row showed the stages live
        assert app.ranking.best == 0
    # Leaving the app closed the warm worker process (the resource tracker exits with this process).
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert (tmp_path / "tinynas-runs" / "tinynas.db").is_file()
