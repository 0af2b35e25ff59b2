"""The UI's study process killed mid-trial (kill -9): the running row turns failed at once, the error
is shown, the counter never passes the target, and the next run retries the trial. The real engine,
study process and trial worker; trials run `fake_trials` (no TensorFlow) and sleep until killed."""

from __future__ import annotations

import os
import signal

import optuna
import pytest
from cli_processes import TESTS_DIR
from hostile_text import space_toml
from pilot_wait import until

from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.error import ErrorScreen
from tinynas_tui.tui.widgets.trial_table import TrialTable

pytestmark = pytest.mark.asyncio



async def test_a_killed_study_process_fails_its_row_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYNAS_TRIAL_ENTRY", "fake_trials")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH")))))
    (tmp_path / "space.toml").write_text(space_toml(sleep="600"), encoding="utf-8")
    engine = OptunaEngine(validate(RunOptions(space="space.toml", study="s", heartbeat_grace=3600)))
    app = create_app(engine, trials=2)
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.query_one(TrialTable)
        await until(pilot, lambda: table.row_count == 1 and table.get_cell("0", "state").startswith("▶"),
                    "trial 0 running", timeout=120)
        os.kill(engine._process.process.pid, signal.SIGKILL)
        await until(pilot, lambda: table.get_cell("0", "state") == "failed", "its row failed", timeout=60)
        # Failed here, at once, and saying why (not by a later poll's stale check, "heartbeat: …").
        assert "study process ended unexpectedly (exit code -9)" in app.book.get(0).reason
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen) and app.screen.query("#error-message"),
                    "the error shown", timeout=60)
        assert "study process ended unexpectedly" in str(app.screen.query_one("#error-message").render())
        assert app.state == "stopped"
        storage = f"sqlite:///{tmp_path}/tinynas-runs/tinynas.db"
        trials = optuna.load_study(study_name="s", storage=storage).trials
        assert [t.state.name for t in trials] == ["FAIL", "WAITING"]  # though the grace is an hour; retry queued
        assert "study process ended unexpectedly" in trials[0].user_attrs["fail_reason"]
        status = str(app.query_one("#status").render())
        assert "1/2 trials" in status
