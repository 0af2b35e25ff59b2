"""Waiting in app tests: the engine runs in threads and processes, so a test lets the app process its
messages until what it expects holds (never a fixed sleep)."""

from __future__ import annotations

import time


async def until(pilot, predicate, what="condition", timeout=20.0, step=0.01):
    """Let the app run until ``predicate()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await pilot.pause(step)
