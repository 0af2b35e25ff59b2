"""Trials per minute: this project's headless search against the seed's plain in-process loop.

Both run the seed-000 search on mnist-5k (4,000 / 1,000, 1 epoch) as whole processes, timed from start
to exit, on the same machine, one after the other. This project measures more per trial (int8
accuracy on the converted model, median latency of 200 invokes, TFLM arena, MACs) and keeps every trial
in SQLite with its .tflite.

Usage: python bench/throughput.py [--trials N] [--extra "--jobs 2"] [--extra "..."]

Each ``--extra`` adds one tinynas-tui run with those flags (default: one plain run and one ``--jobs 2``);
the seed loop runs once. The ratio is each run's trials per hour over the seed loop's.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(cmd: list[str], cwd: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr[-2000:]}")
    return seconds, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--extra", action="append", help="extra tinynas-tui flags for one run (repeatable)")
    args = parser.parse_args()
    n = args.trials
    configs = args.extra if args.extra is not None else ["", "--jobs 2"]
    # Warm the dataset cache so no side pays the one-time CSV parse.
    subprocess.run([sys.executable, "-c", "from tinynas_tui.core.dataset_spec import DatasetSpec; from tinynas_tui.pipeline.datasets import load_dataset;"
                    "load_dataset(DatasetSpec('mnist-5k'))"], check=True)
    rows, memory = [], []
    for extra in configs:
        with tempfile.TemporaryDirectory() as ours_dir:
            seconds, _ = timed([sys.executable, "-m", "tinynas_tui", "--headless", "--trials", str(n),
                                *shlex.split(extra)], ours_dir)
            memory.append(worker_rss(Path(ours_dir) / "tinynas-runs" / "tinynas.db"))
        rows.append((f"tinynas-tui --headless {extra}".strip(), seconds))
    with tempfile.TemporaryDirectory() as seed_dir:
        seed_s, _ = timed([sys.executable, str(HERE / "seed_loop.py"), "--trials", str(n)], seed_dir)
    seed_rate = n / seed_s * 3600
    print(f"trials: {n} per run, cores: {os.cpu_count()}; command: python bench/throughput.py --trials {n}")
    print(f"{'run':<40}{'seconds':>9}{'trials/hour':>13}{'vs seed':>9}")
    for label, seconds in rows:
        rate = n / seconds * 3600
        print(f"{label:<40}{seconds:>9.1f}{rate:>13.0f}{rate / seed_rate:>8.2f}x")
    print(f"{'seed loop (in-process)':<40}{seed_s:>9.1f}{seed_rate:>13.0f}{1:>8.2f}x")
    for (label, _), rss in zip(rows, memory):
        print(f"worker RSS after each trial, {label}: first {rss[0]:.0f} MB, last {rss[-1]:.0f} MB, "
              f"max {max(rss):.0f} MB" if rss else f"worker RSS: none recorded for {label}")


def worker_rss(db: Path) -> list[float]:
    """The worker's resident MB after each complete trial, in trial order (from the study's storage)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT a.value_json FROM trial_user_attributes a JOIN trials t ON t.trial_id = a.trial_id "
            "WHERE a.key = 'worker_rss_mb' ORDER BY t.number").fetchall()
    return [float(v) for (v,) in rows]


if __name__ == "__main__":
    main()
