"""A PostgreSQL password holding ``/`` (SQLAlchemy reads ``nas:se/cr3t@host`` as password ``se/cr3t``)
is masked whole wherever the URL is shown: the headless ``Study … in`` line, `worker`, an error line,
the export report and the UI header. Trials run `fake_trials` (no TensorFlow)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from cli_processes import TESTS_DIR
from pilot_wait import until
from sqlalchemy.engine import make_url

from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.tui.factory import create_app

FAKE = {"TINYNAS_TRIAL_ENTRY": "fake_trials",
        "PYTHONPATH": os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH"))))}


@pytest.fixture
def slash_url(postgres_url):
    """The test database, reached as a role whose password holds slashes."""
    import psycopg

    url = make_url(postgres_url)
    role, secret = f"nas_{uuid.uuid4().hex[:8]}", f"se/cr3t/{uuid.uuid4().hex[:6]}"
    admin = dict(host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database,
                 autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{secret}'")
        conn.execute(f'ALTER DATABASE "{url.database}" OWNER TO {role}')
    yield f"postgresql://{role}:{secret}@{url.host}:{url.port}/{url.database}", secret
    with psycopg.connect(**admin) as conn:
        conn.execute(f'ALTER DATABASE "{url.database}" OWNER TO {url.username}')
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


def cli(cwd, *args):
    return subprocess.run([sys.executable, "-m", "tinynas_tui", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **FAKE})


@pytest.mark.asyncio
async def test_a_password_with_slashes_is_masked_everywhere(tmp_path, slash_url, monkeypatch):
    url, secret = slash_url
    assert make_url(url).password == secret
    seen = []
    run = cli(tmp_path, "--headless", "--storage", url, "--study", "s", "--trials", "2")
    assert run.returncode == 0, run.stderr
    head = run.stdout.splitlines()[0]
    assert head.startswith("Study s in postgresql://nas_") and ":***@" in head
    seen += [run.stdout, run.stderr]

    worker = cli(tmp_path, "worker", "--storage", url, "--trials", "1")
    assert worker.returncode == 0, worker.stderr
    seen += [worker.stdout, worker.stderr]

    out = tmp_path / "export"
    export = cli(tmp_path, "export", "--storage", url, "--best", "1", "--out", str(out), "--format", "md")
    assert export.returncode == 0, export.stderr
    report = next(out.glob("*.md")).read_text(encoding="utf-8")
    assert ":***@" in report
    seen += [export.stdout, export.stderr, report]

    wrong = url.replace(secret, "se/wr0ng/pw")
    bad = cli(tmp_path, "--headless", "--storage", wrong, "--trials", "1")
    assert bad.returncode == 2 and bad.stderr.startswith("tinynas-tui: cannot open storage")
    assert "se/wr0ng/pw" not in bad.stderr and "wr0ng" not in bad.stderr
    seen += [bad.stdout, bad.stderr]

    monkeypatch.chdir(tmp_path)
    app = create_app(OptunaEngine(validate(RunOptions(storage=url, study="s"))), paused=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.state == "paused", "the study opened", timeout=60)  # side panel built too
        screen = app.export_screenshot()
    assert app.info is not None and ":***@" in app.info.storage
    seen.append(screen)
    for text in seen:
        assert secret not in text and "cr3t" not in text
