"""Faults provoked for real against the real CLI: kill -9 of the app, SIGSTOP past the grace period, a
locked database, a runaway worker, an unwritable or full runs folder."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

import psutil
import pytest
from cli_processes import (
    FAST_HEARTBEAT,
    TINY,
    alive,
    can_mount,
    faults_env,
    heartbeat_age_s,
    load_study,
    start_cli,
    wait_for,
    worker_log_has,
)

LINE_PREFIX = "Trial {:2d}: acc="


def start_in_pty(cwd, *args, env=None):
    """Start the terminal UI on a pseudo-terminal, draining its output so it never blocks."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 110, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "tinynas_tui", *args], cwd=cwd, stdin=slave, stdout=slave,
                            stderr=slave, env={**os.environ, "TERM": "xterm-256color", **(env or {})},
                            start_new_session=True)
    os.close(slave)

    def drain():
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    proc.pty_master = master
    return proc


def snapshot(trials):
    return {t.number: (t.values, t.params, t.user_attrs) for t in trials if t.state.name == "COMPLETE"}


pytestmark = pytest.mark.tf


@pytest.mark.parametrize("front", ["headless", "ui"])
def test_kill_9_of_the_app_mid_trial_then_restart(tmp_path, front):
    args = ["--trials", "3", *TINY, *FAST_HEARTBEAT]
    env = faults_env("1:hang")
    app = start_cli(tmp_path, "--headless", *args, env=env) if front == "headless" else start_in_pty(
        tmp_path, *args, env=env)
    try:
        wait_for(worker_log_has(tmp_path, "test hook: injecting hang into trial 1"), what="trial 1 to run")
        helpers = psutil.Process(app.pid).children(recursive=True)  # the trial worker and its helpers
        assert helpers
        before = snapshot(load_study(tmp_path).trials)
        assert list(before) == [0]
        os.kill(app.pid, signal.SIGKILL)  # the app's own process only
        killed = time.monotonic()
        wait_for(lambda: not any(alive(p.pid) for p in helpers), timeout=10, what="the orphaned worker to exit")
        print(f"\norphaned worker gone {time.monotonic() - killed:.1f} s after kill -9")
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
        if front == "ui":
            os.close(app.pty_master)
    db = tmp_path / "tinynas-runs" / "tinynas.db"
    assert load_study(tmp_path).trials[1].state.name == "RUNNING"
    wait_for(lambda: heartbeat_age_s(db, 1) > 4, what="trial 1's heartbeat to go stale")

    again = start_cli(tmp_path, "--headless", "--trials", "1", *TINY, *FAST_HEARTBEAT)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "Trial  1: FAIL: its process stopped beating (died or was stopped); its parameters are queued " \
           "again once" in out
    assert LINE_PREFIX.format(2) in out
    trials = load_study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "FAIL", "COMPLETE"]
    assert trials[2].params == trials[1].params  # the stale trial's parameters, retried once
    assert trials[2].system_attrs["failed_trial"] == 1
    assert {n: v for n, v in snapshot(trials).items() if n in before} == before  # complete trials untouched


def test_sigstop_past_the_grace_period_loses_one_result_plainly(tmp_path):
    db = tmp_path / "tinynas-runs" / "tinynas.db"
    app = start_cli(tmp_path, "--headless", "--trials", "3", *TINY, *FAST_HEARTBEAT,
                    env=faults_env("1:slow"))
    try:
        wait_for(worker_log_has(tmp_path, "test hook: injecting slow into trial 1"), what="trial 1 to run")
        os.kill(app.pid, signal.SIGSTOP)  # the app only: its worker finishes trial 1 meanwhile
        try:
            wait_for(lambda: heartbeat_age_s(db, 1) > 4, what="trial 1's heartbeat to go stale")
            # Another process on the same study notices, fails trial 1 and runs its retry.
            other = start_cli(tmp_path, "worker", "--trials", "1", *FAST_HEARTBEAT)
            other_out, other_err = other.communicate(timeout=600)
        finally:
            os.kill(app.pid, signal.SIGCONT)
        out, err = app.communicate(timeout=600)
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
    assert other.returncode == 0, other_err
    assert "Trial  1: FAIL: its process stopped beating" in other_out and LINE_PREFIX.format(2) in other_out
    assert app.returncode == 0, err
    assert "Trial  1: result LOST: trial 1 was already FAIL in the storage" in out
    assert "Traceback" not in err and "AssertionError" not in err
    assert LINE_PREFIX.format(3) in out  # the study went on
    trials = load_study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    assert trials[2].params == trials[1].params


LOCKER = (
    "import sqlite3, sys, time\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "db.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"  # the fault itself: another program holding the file
    "db.execute('COMMIT')\n"
)


def test_a_locked_sqlite_database_is_waited_out_with_backoff(tmp_path):
    db = tmp_path / "tinynas-runs" / "tinynas.db"
    app = start_cli(tmp_path, "--headless", "--trials", "2", *TINY, env=faults_env("1:slow"))
    try:
        wait_for(worker_log_has(tmp_path, "test hook: injecting slow into trial 1"), what="trial 1 to run")
        # Held past the end of trial 1 and past SQLite's own 10 s wait, so the retry loop must act.
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(db), "25"], stdout=subprocess.PIPE, text=True)
        assert locker.stdout.readline().strip() == "locked"
        out, err = app.communicate(timeout=600)
        assert locker.wait(timeout=60) == 0
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
    assert app.returncode == 0, err
    assert "tinynas-tui: storage busy (database is locked); retrying in" in err
    assert "Traceback" not in err
    assert LINE_PREFIX.format(1) in out
    assert [t.state.name for t in load_study(tmp_path).trials] == ["COMPLETE", "COMPLETE"]


@pytest.mark.parametrize("case, mount_options, fill, words", [
    ("read-only", "ro,size=64m", "", "cannot write to {runs}: Read-only file system"),
    ("read-only parent", "ro,size=64m", "", "cannot create runs folder {runs}/runs: Read-only file system"),
    ("full", "size=8m", "dd if=/dev/zero of={mnt}/fill bs=1M 2>/dev/null;", "cannot write to {runs}: "
                                                                            "No space left on device"),
    ("nearly full", "size=20m", "", "only 20.0 MB free in {runs}; a study needs at least 50 MB"),
])
def test_unwritable_or_full_runs_folder_is_refused_at_start(tmp_path, case, mount_options, fill, words):
    if not can_mount():
        pytest.skip("needs a private mount namespace (root): a real read-only or full file system")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    runs = mnt / "runs" if case == "read-only parent" else mnt
    script = (f"mount -t tmpfs -o {mount_options} tmpfs {mnt} && {fill.format(mnt=mnt)} "
              f"{sys.executable} -m tinynas_tui --headless --trials 1 --runs-dir {runs}; code=$?; "
              f"echo LEFT: $(ls -A {mnt}); exit $code")
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tinynas-tui: ")
    assert words.format(runs=mnt) in result.stderr
    left = result.stdout.split("LEFT:")[1].split()
    assert left == (["fill"] if fill else [])  # no runs folder, no database
