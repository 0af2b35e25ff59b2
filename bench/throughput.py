"""Trials per minute: this project's headless search against the seed's plain in-process loop.

Both run the seed-000 search on mnist-5k (4,000 / 1,000, 1 epoch) as whole processes, timed from start
to exit, on the same machine, one after the other. This project measures more per trial (int8
accuracy on the converted model, median latency of 200 invokes, TFLM arena, MACs) and keeps every trial
in SQLite with its .tflite.

Usage: python bench/throughput.py [--trials N] [--extra "--threads 2"]
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
    parser.add_argument("--extra", default="", help="extra tinynas-tui flags")
    args = parser.parse_args()
    n = args.trials
    with tempfile.TemporaryDirectory() as ours_dir, tempfile.TemporaryDirectory() as seed_dir:
        # Warm the dataset cache so neither side pays the one-time CSV parse.
        subprocess.run([sys.executable, "-c", "from tinynas_tui.pipeline.datasets import *;"
                        "load_dataset(DatasetSpec('mnist-5k'))"], check=True)
        ours_s, ours_out = timed([sys.executable, "-m", "tinynas_tui", "--headless", "--trials", str(n),
                                  *shlex.split(args.extra)], ours_dir)
        seed_s, seed_out = timed([sys.executable, str(HERE / "seed_loop.py"), "--trials", str(n)], seed_dir)
    ours_rate, seed_rate = n / ours_s * 60, n / seed_s * 60
    print(f"trials: {n} each, cores: {os.cpu_count()}, extra flags: {args.extra or '(none)'}")
    print(f"{'run':<34}{'seconds':>10}{'trials/min':>12}")
    print(f"{'tinynas-tui --headless':<34}{ours_s:>10.1f}{ours_rate:>12.2f}")
    print(f"{'seed loop (in-process)':<34}{seed_s:>10.1f}{seed_rate:>12.2f}")
    print(f"ratio (tinynas-tui / seed): {ours_rate / seed_rate:.2f}x")


if __name__ == "__main__":
    main()
