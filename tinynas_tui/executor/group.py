"""Several trial executors that act as one: ``--jobs N`` trial workers on one machine.

The runner drives each member from its own thread; the rest of the program (pause, stop, close, the
log path) treats the group as the single executor it was before.
"""

from __future__ import annotations

import os
from typing import Any

from tinynas_tui.executor.trial_executor import ProcessTrialExecutor


def threads_per_worker(jobs: int, threads: int | None, cores: int | None = None) -> int | None:
    """TensorFlow intra-op threads for each of ``jobs`` workers, so that together they share the cores.

    An explicit ``--threads`` wins; one job keeps TensorFlow's own default (all cores).
    """
    if threads is not None or jobs == 1:
        return threads
    return max(1, (cores or os.cpu_count() or 1) // jobs)


def gpus_per_worker(jobs: int, gpus: tuple[int, ...]) -> list[str | None]:
    """The GPU each of ``jobs`` workers sees (its ``CUDA_VISIBLE_DEVICES``), dealt round-robin over
    ``gpus`` (``--gpus 0,1``), so more jobs than GPUs put several workers on one; no ``gpus``: each
    sees what the parent sees (None)."""
    if not gpus:
        return [None] * jobs
    return [str(gpus[i % len(gpus)]) for i in range(jobs)]


class ExecutorGroup:
    """``members`` run trials at the same time; aborting, resuming and closing apply to all of them."""

    def __init__(self, members: list[ProcessTrialExecutor]) -> None:
        if not members:
            raise ValueError("an executor group needs at least one executor")
        self.members = members

    @property
    def config(self) -> Any:
        return self.members[0].config

    def abort(self, reason: str = "stopped by the user") -> None:
        for member in self.members:
            member.abort(reason)

    def resume(self) -> None:
        for member in self.members:
            member.resume()

    def close(self) -> None:
        for member in self.members:
            member.close()
