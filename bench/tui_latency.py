"""The UI's responsiveness: time to the first frame, and event-loop lag while a real study runs.

1. Time to first frame: `tinynas-tui --paused` is started in a pseudo-terminal, as a user's shell would,
   and timed from process start until its output holds the status bar. Repeated, median reported.
2. Event-loop lag: the app runs a real study (tiny data) under Textual's headless driver with a 10 ms
   timer; lateness of each tick past its due time is recorded while trials run. p50 / p99 / max.

Usage: python bench/tui_latency.py [--frames 5] [--trials 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def time_to_first_frame(workdir: str) -> float:
    """Seconds from spawning the app in a pty until the status bar is on screen."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tinynas_tui", "--paused"], cwd=workdir, stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    elapsed = float("nan")
    try:
        while time.perf_counter() - start < 30:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen += chunk
            if b"tinynas-tui" in seen and b"trials" in seen:
                elapsed = time.perf_counter() - start
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        os.close(master)
    return elapsed


async def loop_lag(trials: int, workdir: str) -> list[float]:
    """Lateness (ms) of a 10 ms timer while the app runs ``trials`` real trials."""
    from tinynas_tui.run_setup import RunOptions, validate
    from tinynas_tui.study_engine import StudyEngine
    from tinynas_tui.tui.factory import create_app

    os.chdir(workdir)
    app = create_app(StudyEngine(validate(RunOptions(train_samples=500, test_samples=200))), trials=trials)
    lateness: list[float] = []
    period = 0.010
    async with app.run_test(size=(160, 48)) as pilot:
        due = time.perf_counter() + period

        def tick() -> None:
            nonlocal due
            now = time.perf_counter()
            if app.state == "running":
                lateness.append(max(0.0, (now - due) * 1000))
            due = now + period

        app.set_interval(period, tick)
        deadline = time.monotonic() + 600
        while app.state not in ("finished", "stopped", "failed") and time.monotonic() < deadline:
            await pilot.pause(0.2)
    return lateness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        frames = [time_to_first_frame(workdir) for _ in range(args.frames)]
        lags = asyncio.run(loop_lag(args.trials, workdir))
    print(f"time to first frame (pty, {args.frames} runs): median {statistics.median(frames):.3f} s, "
          f"min {min(frames):.3f} s, max {max(frames):.3f} s")
    if lags:
        q = statistics.quantiles(lags, n=100)
        print(f"event-loop lag while {args.trials} real trials ran ({len(lags)} ticks of 10 ms): "
              f"p50 {q[49]:.2f} ms, p99 {q[98]:.2f} ms, max {max(lags):.2f} ms")
    else:
        print("event-loop lag: no ticks recorded (the study did not run)")


if __name__ == "__main__":
    main()
