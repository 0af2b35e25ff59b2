"""A PostgreSQL password, in the URL's user-info or as a ``password=`` parameter, appears nowhere: not in
the terminal output, the worker log, the runs folder, an export, the UI's screen or an error message."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from cli_processes import TINY, start_cli
from sqlalchemy.engine import make_url

from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.tf


def url_forms(postgres_url):
    url = make_url(postgres_url)
    in_query = url.set(password=None).update_query_dict({"password": url.password})
    return {"user-info": postgres_url, "query": in_query.render_as_string(hide_password=False)}


def everything_written(folder):
    """Every file under ``folder``, as text."""
    texts = []
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                texts.append(fh.read().decode("utf-8", errors="replace"))
    return "\n".join(texts)


@pytest.mark.parametrize("form", ["user-info", "query"])
def test_password_appears_nowhere(tmp_path, postgres_url, form):
    secret = make_url(postgres_url).password
    url = url_forms(postgres_url)[form]
    assert secret in url
    seen = []

    run = subprocess.run([sys.executable, "-m", "tinynas_tui", "--headless", "--storage", url, "--study", "s",
                          "--trials", "1", *TINY], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "in postgresql://tinynas:***@" in run.stdout or "password=***" in run.stdout
    seen += [run.stdout, run.stderr]

    verbose = start_cli(tmp_path, "worker", "--storage", url, "--study", "s", "--trials", "1", "--verbose")
    seen += list(verbose.communicate(timeout=600))
    assert verbose.returncode == 0, seen[-1]

    export = subprocess.run([sys.executable, "-m", "tinynas_tui", "export", "--storage", url, "--best", "2",
                             "--out", str(tmp_path / "export")], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert export.returncode == 0, export.stderr
    seen += [export.stdout, export.stderr]
    assert list((tmp_path / "export").glob("*.tflite"))  # models read back from the database

    port = f":{make_url(postgres_url).port}/"
    for wrong in (url.replace(secret, "not-the-password"), url.replace(port, ":1/")):  # nothing listens on 1
        bad = subprocess.run([sys.executable, "-m", "tinynas_tui", "--headless", "--storage", wrong, "--trials",
                              "1"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and bad.stderr.startswith("tinynas-tui: cannot open storage")
        assert "not-the-password" not in bad.stderr
        seen += [bad.stdout, bad.stderr]

    seen.append(everything_written(tmp_path))  # runs folder, worker log, export files
    for text in seen:
        assert secret not in text


@pytest.mark.asyncio
async def test_password_not_on_the_ui_screen(tmp_path, postgres_url, monkeypatch):
    monkeypatch.chdir(tmp_path)
    secret = make_url(postgres_url).password
    for form, url in url_forms(postgres_url).items():
        app = create_app(OptunaEngine(validate(RunOptions(storage=url, study=f"ui-{form}"))), paused=True)
        async with app.run_test(size=(160, 40)) as pilot:
            deadline = time.monotonic() + 60
            while app.state in ("opening", "starting") and time.monotonic() < deadline:
                await pilot.pause(0.05)
            screen = app.export_screenshot()
        assert "***" in screen
        assert secret not in screen
