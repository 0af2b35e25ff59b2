"""An export from the UI states what the table showed: the UI's weights and budgets, not the study's.

The real engine, study process and trial worker (`fake_trials`: no TensorFlow) make a real study whose
one trial is 150 KB; the study has no budgets; the UI sets max flash 100 KB, and the export says so."""

from __future__ import annotations

import json
import os

import pytest
from cli_processes import TESTS_DIR
from hostile_text import space_toml
from pilot_wait import until

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.export_screen import ExportScreen
from tinynas_tui.tui.widgets.trial_table import TrialTable

pytestmark = pytest.mark.asyncio


async def test_an_export_from_the_ui_uses_the_uis_budgets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYNAS_TRIAL_ENTRY", "fake_trials")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH")))))
    (tmp_path / "space.toml").write_text(space_toml(x=150), encoding="utf-8")  # fake_trials: size_kb = x
    engine = OptunaEngine(validate(RunOptions(space="space.toml", study="s")))
    app = create_app(engine, trials=1)
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.query_one(TrialTable)
        await until(pilot, lambda: app.book.get(0) is not None and app.book.get(0).state == "complete"
                    and app.state != "running", "trial 0 complete", timeout=120)
        assert table.get_cell("0", "rank") == "1"  # no budget yet
        app.action_focus_weights()
        await pilot.pause()
        app.query_one("#w-size").value = "0.1"
        app.query_one("#b-flash").value = "100"
        await until(pilot, lambda: app.budgets == Budgets(max_flash_kb=100), "budget applied")
        await until(pilot, lambda: table.get_cell("0", "rank").endswith("✗"), "the table marks it over")
        table.focus()
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.query("#export-folder"),
                    "export dialog")
        app.screen.query_one("#export-folder").value = str(tmp_path / "out")
        formats = app.screen.query_one("#export-formats")
        for fmt in ("tflite", "c", "keras", "csv"):
            formats.deselect(fmt)
        await pilot.press("ctrl+s")
        params, report = tmp_path / "out" / "s-trial-0-params.json", tmp_path / "out" / "s-report.md"
        await until(pilot, lambda: params.exists() and report.exists(), "files written", timeout=60)

    info = json.loads(params.read_text())
    assert info["values"]["size_kb"] == 150
    assert info["within_budgets"] is False
    assert info["budgets"] == {"max_flash_kb": 100} and info["study_budgets"] == {}
    assert info["weights"] == "100,0.1,0.1"
    text = report.read_text()
    assert "- **Budgets:** flash ≤ 100 KiB (in force for this export" in text
    assert "- **Study's budgets:** none (stored with the study" in text
    assert "- **Weights:** `100,0.1,0.1`" in text
