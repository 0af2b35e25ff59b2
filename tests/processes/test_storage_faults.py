"""Storage faults met by a real headless run: a lock held while it writes (and SIGTERM meanwhile), a disk that
fills up mid-run, and kill -9 followed by a restart at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from cli_processes import TINY, can_mount, faults_env, load_study, start_cli, wait_for, worker_log_has

LINE_PREFIX = "Trial {:2d}: acc="

LOCKER = (
    "import sqlite3, sys, threading\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "db.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"  # held until the test closes stdin: another program holding the file
    "db.execute('COMMIT')\n"
)


class Collected:
    """A child's stderr read as it comes, so a test can wait for a line while the child runs."""

    def __init__(self, stream):
        self.text = ""
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.text += line

    def finish(self):
        self._thread.join(30)
        return self.text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_the_storage_is_locked_at_start_ends_the_wait(tmp_path, sig):
    import optuna

    db = tmp_path / "tinynas-runs" / "tinynas.db"
    db.parent.mkdir()
    optuna.create_study(storage=f"sqlite:///{db}", study_name="s")
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    app = None
    try:
        assert locker.stdout.readline().strip() == "locked"
        app = start_cli(tmp_path, "--headless", "--study", "s", "--trials", "1")
        err = Collected(app.stderr)
        wait_for(lambda: "storage busy (database is locked)" in err.text, timeout=120, what="a wait for the lock")
        app.send_signal(sig)
        out, _ = app.communicate(timeout=60)  # the retry budget is 300 s
    finally:
        if app is not None and app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
        locker.communicate("", timeout=30)
    stderr = err.finish()
    assert app.returncode == 130 and "Traceback" not in stderr, stderr
    assert out == "Interrupted while opening the study in sqlite:///tinynas-runs/tinynas.db; no trial was started\n"


@pytest.mark.tf
def test_sigterm_while_a_locked_storage_is_waited_for_ends_the_run_at_once(tmp_path):
    db = tmp_path / "tinynas-runs" / "tinynas.db"
    app = start_cli(tmp_path, "--headless", "--trials", "3", *TINY, env=faults_env("1:slow"))
    err = Collected(app.stderr)
    locker = None
    try:
        wait_for(worker_log_has(tmp_path, "test hook: injecting slow into trial 1"), what="trial 1 to run")
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert locker.stdout.readline().strip() == "locked"
        # Trial 1 ends in the worker; recording it waits for the lock (SQLite's 10 s, then the backoff).
        wait_for(lambda: "storage busy (database is locked)" in err.text, timeout=120, what="a wait for the lock")
        app.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        # The retry budget is 300 s a call: ending well within 60 s is the interrupt's doing.
        out, _ = app.communicate(timeout=60)
        print(f"\nended {time.monotonic() - sent:.1f} s after SIGTERM, the lock still held")
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
        if locker is not None:
            locker.communicate("", timeout=30)  # let go of the lock
    stderr = err.finish()
    assert app.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert ("Interrupted: trial 1 left RUNNING (the storage would not take its FAIL: database is locked); a run "
            "started on this machine fails it at once") in out
    assert [t.state.name for t in load_study(tmp_path).trials] == ["COMPLETE", "RUNNING"]  # as the line says


# Run inside a private mount namespace: the database on a small tmpfs that is filled up while trial 1 runs.
FULL_DISK_DRIVER = r"""
import json, os, sqlite3, subprocess, sys, time
mnt, runs, env = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt], check=True)
app = subprocess.Popen([sys.executable, "-m", "tinynas_tui", "--headless", "--trials", "3", *sys.argv[4:],
                        "--storage", f"sqlite:///{mnt}/tinynas.db", "--runs-dir", runs],
                       env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
log = os.path.join(runs, "logs", "worker.log")
deadline = time.monotonic() + 300
while time.monotonic() < deadline:  # polled: the state is in the other process
    if os.path.isfile(log) and "injecting slow into trial 1" in open(log, errors="replace").read():
        break
    time.sleep(0.1)
with open(os.path.join(mnt, "fill"), "wb") as fill:  # the disk fills up, as another program's file would
    try:
        while True:
            fill.write(b"\0" * 2**20)
            fill.flush()
    except OSError:
        pass
try:
    out, err = app.communicate(timeout=120)
except subprocess.TimeoutExpired:
    app.kill()
    out, err = app.communicate()
    err += "\nDRIVER: still running 120 s after the disk filled"
db = sqlite3.connect(f"file:{mnt}/tinynas.db?mode=ro", uri=True)
states = [s for (s,) in db.execute("SELECT state FROM trials ORDER BY number")]
print(json.dumps({"code": app.returncode, "out": out, "err": err, "states": states}))
"""


@pytest.mark.tf
def test_a_disk_that_fills_up_mid_run_ends_it_in_one_line(tmp_path):
    if not can_mount():
        pytest.skip("needs a private mount namespace (root): a real file system that fills up")
    mnt, runs = tmp_path / "mnt", tmp_path / "runs"
    mnt.mkdir()
    result = subprocess.run(["unshare", "-m", sys.executable, "-c", FULL_DISK_DRIVER, str(mnt), str(runs),
                             json.dumps(faults_env("1:slow")), *TINY], capture_output=True, text=True, timeout=600,
                            check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    err = found["err"]
    print(f"\n{err.strip()}\nstates: {found['states']}")
    assert found["code"] == 1, err
    assert "Traceback" not in err and "storage busy" not in err  # not retried: a full disk stays full
    assert err.count("\n") == 1 and err.startswith("tinynas-tui: the storage failed: database or disk is full")
    assert LINE_PREFIX.format(0) in found["out"]
    # Trial 1 is FAIL if the storage took that much, else the line names it as left RUNNING.
    assert found["states"][0] == "COMPLETE"
    if found["states"][1] == "RUNNING":
        assert "trial 1 left RUNNING" in err
    else:
        assert found["states"][1] == "FAIL"


@pytest.mark.tf
def test_kill_9_then_restart_at_once_fails_the_dead_trial_without_the_grace(tmp_path):
    # A grace period far beyond the test: only the dead-owner rule can fail trial 1 in time.
    heartbeat = ["--heartbeat", "1", "--heartbeat-grace", "3600"]
    app = start_cli(tmp_path, "--headless", "--trials", "3", *TINY, *heartbeat, env=faults_env("1:hang"))
    try:
        wait_for(worker_log_has(tmp_path, "test hook: injecting hang into trial 1"), what="trial 1 to run")
        os.kill(app.pid, signal.SIGKILL)
        app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
    assert [t.state.name for t in load_study(tmp_path).trials] == ["COMPLETE", "RUNNING"]
    again = start_cli(tmp_path, "--headless", "--trials", "1", *TINY, *heartbeat)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "Trial  1: FAIL: its process stopped beating (died or was stopped); its parameters are queued " \
           "again once" in out
    assert LINE_PREFIX.format(2) in out
    trials = load_study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "FAIL", "COMPLETE"]
    assert trials[2].params == trials[1].params and trials[2].system_attrs["failed_trial"] == 1
