"""Text from storage or a user's file never drives the terminal or an exported file: a study name, a
parameter choice and a failure reason full of escapes and markup, through headless, `worker` and
`export` for real (trial workers run `fake_trials`: no TensorFlow)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import optuna
import pytest
from cli_processes import TESTS_DIR
from hostile_text import ESCAPED, ESCAPES, EVIL, SHOWN, assert_inert, plant, space_toml

FAKE = {"TINYNAS_TRIAL_ENTRY": "fake_trials",
        "PYTHONPATH": os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH"))))}
STUDY = "team" + ESCAPES + "[bold]x[/]"
FORMULA = '=HYPERLINK("https://evil.example")'
HTML = "<img src=x onerror=alert(1)>"


def cli(cwd, *args):
    return subprocess.run([sys.executable, "-m", "tinynas_tui", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **FAKE})


@pytest.fixture
def hostile_study(tmp_path):
    """A study named with escapes, a choice full of them (from the user's space file), and a FAIL trial
    whose reason and layer name were planted in the database."""
    (tmp_path / "space.toml").write_text(space_toml(tag=EVIL, note=FORMULA), encoding="utf-8")
    first = cli(tmp_path, "--headless", "--trials", "3", "--space", "space.toml", "--study", STUDY)
    assert first.returncode == 0, first.stderr
    assert_inert(first.stdout + first.stderr, "the first run's output")
    assert "team\\x1b]0;PWNED\\x07" in first.stdout  # the name, shown escaped in the `Study … in` line
    plant(tmp_path / "tinynas-runs" / "tinynas.db", 0, reason=EVIL + HTML)
    return tmp_path


def test_worker_lines_and_best_block_are_inert(hostile_study):
    # `worker` without --study takes the name from the storage.
    run = cli(hostile_study, "worker", "--trials", "1", "--top", "5")
    assert run.returncode == 0, run.stderr
    assert_inert(run.stdout + run.stderr, "worker output")
    for shown in SHOWN:
        assert shown in run.stdout  # the choice in the best block and the name, visibly escaped
    assert "[bold red]X[/]" in run.stdout  # markup is just text on a terminal


def test_export_lines_and_files_are_inert(hostile_study):
    storage = f"sqlite:///{hostile_study}/tinynas-runs/tinynas.db"
    out = hostile_study / "export"
    run = cli(hostile_study, "export", "--storage", storage, "--trial", "0", "--trial", "1", "--trial", "2",
              "--out", str(out), "--format", "tflite,c,json,csv,md")
    assert run.returncode == 0, run.stderr
    assert_inert(run.stdout + run.stderr, "export output")
    assert "skipped trial 0: failed (train: \\x1b]0;PWNED" in run.stdout  # the planted reason, escaped
    written = sorted(p for p in out.rglob("*") if p.is_file() and p.suffix != ".tflite")
    assert {p.suffix for p in written} >= {".md", ".csv", ".h", ".cc", ".json"}
    for path in written:
        assert_inert(path.read_text(encoding="utf-8"), path.name)
    report = next(out.rglob("*.md")).read_text(encoding="utf-8")
    assert "&lt;img src=x" in report and HTML not in report  # stored text is no HTML in a viewer
    header = next(out.rglob("*.h")).read_text(encoding="utf-8")
    assert "Study team\\x1b]0;PWNED\\x07" in header
    assert header.count("/*") == header.count("*/")  # no stored `*/` ends a comment early

    # The CSV keeps each value on its row, and the formula-looking choice stays text in a spreadsheet.
    rows = list(csv.DictReader(io.StringIO(next(out.rglob("*.csv")).read_text(encoding="utf-8"))))
    assert len(rows) == 2 and {row["note"] for row in rows} == {"'" + FORMULA}
    assert {row["tag"] for row in rows} == {EVIL.translate(ESCAPED)}

    # params.json is inert on disk yet reads back as exactly the stored text.
    for path in out.rglob("*-params.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["study"] == STUDY and data["params"]["tag"] == EVIL


def test_a_closed_pipe_ends_the_run_quietly(tmp_path):
    """`tinynas-tui --headless … | head -2`: no BrokenPipeError, the exit status a shell expects (141),
    and no trial left RUNNING."""
    pipeline = subprocess.run(
        f"{sys.executable} -m tinynas_tui --headless --trials 6 | head -2; echo \"status=${{PIPESTATUS[0]}}\" >&2",
        shell=True, executable="/bin/bash", cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, **FAKE})
    assert pipeline.stdout.count("\n") == 2
    assert "status=141" in pipeline.stderr
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr
    storage = f"sqlite:///{tmp_path}/tinynas-runs/tinynas.db"
    (name,) = optuna.get_all_study_names(storage)
    states = [t.state.name for t in optuna.load_study(study_name=name, storage=storage).trials]
    assert states and "RUNNING" not in states and len(states) < 6
