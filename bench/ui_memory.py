"""The UI process's memory over a run of 100 trials.

The app runs under Textual's headless driver with the fake engine the UI tests use (no TensorFlow, no
worker: only the UI's own memory is measured); each trial goes through the events a real one sends
(started, stage, epochs, finished with a real-sized set of metrics), one every few milliseconds.
Polls bring back the trials as storage would (complete, with their attributes). RSS is printed every 10
trials, after a garbage collection, once the app has processed everything.

Usage: python bench/ui_memory.py [--trials 100] [--epochs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time

import psutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from fake_engine import FakeEngine, complete_record, metrics_for, params_for  # noqa: E402

from tinynas_tui.core.events import EpochEnded, StageStarted, TrialFinished, TrialStarted  # noqa: E402


class BusyEngine(FakeEngine):
    """A fake engine whose trials send as many events as a real trial and are seen again by polls."""

    def __init__(self, epochs: int) -> None:
        super().__init__([])
        self.epochs = epochs
        self.done = 0

    def run(self, n_trials, on_event):
        self.runs.append(n_trials)
        for _ in range(n_trials):
            self.gate.acquire()  # the bench lets trials through ten at a time
            number = self.next_number
            self.next_number += 1
            on_event(TrialStarted(number, params_for(number)))
            for stage in ("build", "preflight", "train"):
                on_event(StageStarted(number, stage))
            for epoch in range(1, self.epochs + 1):
                on_event(EpochEnded(number, "train", epoch, self.epochs, {"loss": 1 / epoch}))
            for stage in ("evaluate", "convert", "measure"):
                on_event(StageStarted(number, stage))
            values, attrs = metrics_for(number)
            on_event(TrialFinished(number, *values, metrics=attrs))
            self.pending_poll.append(complete_record(number))  # storage's view, read by the next poll
            self.done += 1
            time.sleep(0.002)


async def measure(trials: int, epochs: int) -> list[tuple[int, float]]:
    from tinynas_tui.tui.factory import create_app

    engine = BusyEngine(epochs)
    app = create_app(engine, trials=trials)
    process = psutil.Process()
    samples: list[tuple[int, float]] = []
    async with app.run_test(size=(160, 48)) as pilot:
        for mark in range(0, trials + 1, 10):
            while app.book.count("complete") < mark:
                await asyncio.sleep(0.005)
            app._poll()  # what the 3 s timer does, on demand
            while engine.pending_poll:
                await asyncio.sleep(0.005)
            await pilot.pause()
            gc.collect()
            samples.append((app.book.count("complete"), process.memory_info().rss / 2**20))
            engine.release(10)
        while app.state != "finished":
            await asyncio.sleep(0.005)
    return samples


def main() -> None:
    print("command: python " + " ".join(sys.argv))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    samples = asyncio.run(measure(args.trials, args.epochs))
    for done, rss in samples:
        print(f"{done:4d} trials complete: RSS {rss:6.1f} MiB")
    growth = samples[-1][1] - samples[1][1]
    print(f"growth from 10 to {samples[-1][0]} trials: {growth:+.1f} MiB "
          f"({growth * 1024 / max(1, samples[-1][0] - samples[1][0]):+.0f} KiB per trial)")
    print(f"for scale, one trial's record (parameters, metrics, layers, timings) holds "
          f"{record_kib():.1f} KiB of Python objects")


def record_kib(n: int = 1000) -> float:
    """Memory held by ``n`` complete trial records, per record."""
    import tracemalloc

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    records = [complete_record(i) for i in range(n)]
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del records
    return held / n / 1024


if __name__ == "__main__":
    main()
