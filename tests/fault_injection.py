"""Faults a test can put into a trial worker, each the way a real trial meets it.

The trial entry modules of the tests call `inject` before a trial runs: `fake_trials` takes its faults
from the worker's pipeline dict, `faulty_trials` (the real pipeline) from `FAULTS_ENV`. Production code
knows nothing of this: the faulty entry is chosen through ``TINYNAS_TRIAL_ENTRY``.
"""

from __future__ import annotations

import os
import signal
import threading
import time

FAULTS_ENV = "TINYNAS_TEST_FAULTS"  # e.g. "1:crash,2:hang,3:nan,4:oom"
SLOW_FAULT_S = 10.0


def parse_faults(text: str) -> dict[int, str]:
    """``"1:crash,2:hang"`` as {1: "crash", 2: "hang"}."""
    faults = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        number, _, fault = item.partition(":")
        faults[int(number)] = fault
    return faults


def inject(fault: str | None, number: int) -> None:
    """Make trial ``number`` fail as ``fault`` says: crash, exit, hang, raise, slow (then run) or oom."""
    if not fault:
        return
    # Announced in the worker's output so a test can act once the fault is in place.
    print(f"test hook: injecting {fault} into trial {number}", flush=True)
    if fault == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif fault == "exit":
        os._exit(3)
    elif fault == "hang":
        threading.Event().wait()
    elif fault == "raise":
        raise RuntimeError("injected fault")
    elif fault == "slow":
        time.sleep(SLOW_FAULT_S)  # the fault itself, not test synchronisation: then the trial runs as usual
    elif fault == "oom":
        _grow_without_end()


def _grow_without_end() -> None:
    """Keep allocating (and touching) memory, as a runaway trial does."""
    hoard = []
    while True:
        hoard.append(b"\x01" * (32 * 2**20))
        time.sleep(0.05)  # grow at a pace the parent's memory check can observe
