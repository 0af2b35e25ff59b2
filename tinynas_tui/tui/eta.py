"""The time left for a run: when each running trial started, and how long finished ones took."""

from __future__ import annotations

import time


class TrialClock:
    """Trial start times and durations, from the trial events the app sees."""

    def __init__(self) -> None:
        self._started_at: dict[int, float] = {}
        self._durations: list[float] = []

    def started(self, number: int) -> None:
        self._started_at[number] = time.monotonic()

    def finished(self, number: int) -> None:
        started = self._started_at.pop(number, None)
        if started is not None:
            self._durations.append(time.monotonic() - started)

    def eta(self, remaining: int) -> float | None:
        """Seconds until ``remaining`` more trials finish, at the mean duration so far (None: no trial
        has finished yet); what the running trials have done already counts."""
        if not self._durations:
            return None
        mean = sum(self._durations) / len(self._durations)
        running = [time.monotonic() - t for t in self._started_at.values()]
        return max(0.0, mean * max(0, remaining) - sum(min(r, mean) for r in running))
