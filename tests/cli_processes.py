"""Helpers for tests that run the real CLI in child processes and watch them from outside."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone

import optuna

TINY = ["--train-samples", "300", "--test-samples", "100"]
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
# Seconds: short heartbeats so that a stale trial is noticed within a test.
FAST_HEARTBEAT = ["--heartbeat", "1", "--heartbeat-grace", "3"]
# Runs the CLI in a child interpreter and then proves TensorFlow never entered that process.
CHILD = (
    "import sys\n"
    "from tinynas_tui.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tf_keras', 'keras'))\n"
    "print('TF-IN-PARENT' if leaked else 'TF-FREE-PARENT', leaked[:3])\n"
    "sys.exit(code)\n"
)


def faults_env(spec: str) -> dict[str, str]:
    """The environment that makes a CLI's trial workers run `faulty_trials`, with the faults ``spec``."""
    return {"TINYNAS_TRIAL_ENTRY": "faulty_trials", "TINYNAS_TEST_FAULTS": spec,
            "PYTHONPATH": os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH"))))}


def run_cli(cwd, *args, env=None, timeout=600):
    """Run ``tinynas-tui --headless ARGS`` to the end."""
    return subprocess.run([sys.executable, "-c", CHILD, "--headless", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def start_cli(cwd, *args, env=None):
    """Start ``tinynas-tui ARGS`` (give ``--headless`` or ``worker`` yourself) without waiting."""
    return subprocess.Popen([sys.executable, "-m", "tinynas_tui", *args], cwd=cwd,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def load_study(cwd, name=None):
    storage = f"sqlite:///{cwd}/tinynas-runs/tinynas.db"
    if name is None:
        (name,) = optuna.get_all_study_names(storage)
    return optuna.load_study(study_name=name, storage=storage)


def wait_for(predicate, timeout=180.0, what="condition"):
    """Poll until ``predicate`` holds; the state is in other processes, so polling is the only way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def worker_log_has(cwd, text):
    log = cwd / "tinynas-runs" / "logs" / "worker.log"
    return lambda: log.is_file() and text in log.read_text(errors="replace")


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a zombie holds no CPU or memory)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def heartbeat_age_s(db_path, trial_number: int) -> float:
    """Seconds since the trial's last heartbeat, read straight from the SQLite file (0 when none yet)."""
    with sqlite3.connect(db_path, timeout=30) as db:
        row = db.execute(
            "SELECT h.heartbeat FROM trial_heartbeats h JOIN trials t ON t.trial_id = h.trial_id "
            "WHERE t.number = ?", (trial_number,)).fetchone()
    if row is None:
        return 0.0
    beat = datetime.fromisoformat(row[0]).replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - beat).total_seconds()


def can_mount() -> bool:
    """Whether this machine lets a test mount in a private namespace (``unshare -m``, as root)."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
                           capture_output=True, check=False)
    return probe.returncode == 0
