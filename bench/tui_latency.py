"""The UI's responsiveness: time to the first frame, and event-loop lag while a real study runs.

1. Time to first frame: `tinynas-tui --paused` is started in a pseudo-terminal, as a user's shell would,
   and timed from process start until its output holds the status bar. Repeated, median reported;
   measured as this environment is, and with the package's bytecode cached (as Python caches it after
   a first run, unless PYTHONDONTWRITEBYTECODE is set, as on the machine these figures come from: then
   every start compiles the project's modules again, ~40 ms).
2. Event-loop lag: the app runs a real study (tiny data) under Textual's headless driver with a 10 ms
   timer; lateness of each tick past its due time is recorded for ticks due while trials run (from
   the moment the study is started to its end). p50 / p99 / max.
   The bench only sleeps while it waits (a Pilot ``pause`` would post a callback to every widget and
   add its own lag). For scale, a bare asyncio loop in another process measures the machine's floor
   (the scheduler's own lateness while the trial worker keeps the cores busy) over the same time.

Usage: python bench/tui_latency.py [--frames 5] [--trials 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pty
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator


def frame_times(workdir: str, extra: list[str] | tuple[str, ...] = (), until: bytes | None = None,
                command: list[str] | None = None) -> tuple[float, float]:
    """Seconds from spawning the app in a pty until the status bar is on screen, and until ``until``
    (bytes in the app's output) appears too (NaN if it never does within 60 s). ``command`` replaces
    ``tinynas-tui --paused EXTRA``."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"}
    start = time.perf_counter()
    command = command or [sys.executable, "-m", "tinynas_tui", "--paused", *extra]
    proc = subprocess.Popen(command, cwd=workdir, stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    first = later = float("nan")
    try:
        while time.perf_counter() - start < 60:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen += chunk
            if first != first and b"tinynas-tui" in seen and b"trials" in seen:
                first = time.perf_counter() - start
            if first == first and (until is None or until in seen):
                later = time.perf_counter() - start
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        os.close(master)
    return first, later


@contextlib.contextmanager
def bytecode_cached() -> Iterator[bool]:
    """The package's modules compiled to ``__pycache__`` (as a first run leaves them); True if this made
    them, which are removed again afterwards."""
    import compileall

    import tinynas_tui

    package = Path(tinynas_tui.__file__).parent
    before = set(package.rglob("__pycache__"))
    compileall.compile_dir(str(package), quiet=1)
    made = set(package.rglob("__pycache__")) - before
    try:
        yield bool(made)
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


MINIMAL_APP = '''
from textual.app import App
from textual.widgets import Footer, Static

class Minimal(App):
    def compose(self):
        yield Static("tinynas-tui  0/5 trials")
        yield Footer()

Minimal().run()
'''


def minimal_app_frame(workdir: str) -> float:
    """The floor: a one-line Textual app with a footer, started and timed the same way."""
    script = Path(workdir) / "minimal_app.py"
    script.write_text(MINIMAL_APP)
    return frame_times(workdir, command=[sys.executable, str(script)])[0]


def time_to_first_frame(workdir: str) -> float:
    """Seconds from spawning the app in a pty until the status bar is on screen."""
    return frame_times(workdir)[0]


FLOOR_CODE = """
import asyncio, statistics, sys, time
async def main():
    lat, period = [], 0.010
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    stop = asyncio.ensure_future(reader.read())
    due = time.perf_counter() + period
    while not stop.done():
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        now = time.perf_counter()
        lat.append(max(0.0, (now - due) * 1000))
        due = now + period
    q = statistics.quantiles(lat, n=100)
    print(f"{q[49]:.2f} {q[98]:.2f} {max(lat):.2f}")
asyncio.run(main())
"""


def start_floor() -> subprocess.Popen:
    """A bare asyncio loop with the same 10 ms timer, in its own process, until its stdin closes."""
    return subprocess.Popen([sys.executable, "-c", FLOOR_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def stop_floor(proc: subprocess.Popen) -> str:
    out, _ = proc.communicate("", timeout=30)
    p50, p99, worst = out.split()
    return f"p50 {p50} ms, p99 {p99} ms, max {worst} ms"


async def loop_lag(trials: int, workdir: str) -> tuple[list[float], str]:
    """Lateness (ms) of a 10 ms timer while the app runs ``trials`` real trials, and the floor."""
    from tinynas_tui.run.options import RunOptions, validate
    from tinynas_tui.run.engine import OptunaEngine
    from tinynas_tui.tui.factory import create_app

    os.chdir(workdir)
    app = create_app(OptunaEngine(validate(RunOptions(train_samples=500, test_samples=200))), trials=trials)
    lateness: list[float] = []
    period = 0.010
    started = float("inf")
    start = app.action_start

    def start_and_note() -> None:
        nonlocal started
        started = min(started, time.perf_counter())
        start()

    app.action_start = start_and_note  # ticks count from the moment the study is started
    async with app.run_test(size=(160, 48)):
        due = time.perf_counter() + period

        def tick() -> None:
            nonlocal due
            now = time.perf_counter()
            if app.state == "running" and due >= started:
                lateness.append(max(0.0, (now - due) * 1000))
            due = now + period

        app.set_interval(period, tick)
        deadline = time.monotonic() + 600
        floor = None
        while app.state not in ("finished", "stopped", "failed") and time.monotonic() < deadline:
            if floor is None and app.state == "running":
                floor = start_floor()
            await asyncio.sleep(0.2)
    return lateness, stop_floor(floor) if floor is not None else "not measured"


def main() -> None:
    print("command: python " + " ".join(sys.argv))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        frames = [time_to_first_frame(workdir) for _ in range(args.frames)]
        with bytecode_cached() as compiled_here:
            cached = [time_to_first_frame(workdir) for _ in range(args.frames)]
        floor_frames = [minimal_app_frame(workdir) for _ in range(args.frames)]
        lags, floor = asyncio.run(loop_lag(args.trials, workdir))
    print(f"time to first frame (pty, {args.frames} runs): median {statistics.median(frames):.3f} s, "
          f"min {min(frames):.3f} s, max {max(frames):.3f} s")
    print(f"  with the package's bytecode cached{' (compiled for this run)' if compiled_here else ''}: median "
          f"{statistics.median(cached):.3f} s, min {min(cached):.3f} s, max {max(cached):.3f} s")
    print(f"  for scale, a one-line Textual app with a footer: median {statistics.median(floor_frames):.3f} s")
    if lags:
        q = statistics.quantiles(lags, n=100)
        print(f"event-loop lag while {args.trials} real trials ran ({len(lags)} ticks of 10 ms): "
              f"p50 {q[49]:.2f} ms, p99 {q[98]:.2f} ms, max {max(lags):.2f} ms")
        print(f"machine floor (bare asyncio loop in another process, same time): {floor}")
    else:
        print("event-loop lag: no ticks recorded (the study did not run)")


if __name__ == "__main__":
    main()
