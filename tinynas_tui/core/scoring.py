"""The weighted score that ranks trials, ``acc*w_acc - size_kb*w_size - latency_ms*w_latency``, and
Pareto dominance with the O(n log n) sweep that finds the front.

Weights are data, not code: they rank trials and never change the study, so a user can re-rank at will.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from tinynas_tui.errors import UsageError

WEIGHT_NAMES = ("ACC", "SIZE", "LATENCY")
"""How messages name the three weights, in ``--weights`` order."""


@dataclass(frozen=True)
class Weights:
    """Score weights; the defaults are the seed's ``100, 0.01, 0.1``."""

    accuracy: float = 100.0
    size_kb: float = 0.01
    latency_ms: float = 0.1

    def score(self, accuracy: float, size_kb: float, latency_ms: float) -> float:
        return accuracy * self.accuracy - size_kb * self.size_kb - latency_ms * self.latency_ms

    def as_text(self) -> str:
        return f"{self.accuracy:g},{self.size_kb:g},{self.latency_ms:g}"

    @classmethod
    def parse(cls, text: str) -> Weights:
        """Parse ``"100,0.01,0.1"``: three finite numbers, 0 or more.

        Raises:
            UsageError: One line naming the value that is wrong, e.g. ``--weights: SIZE 'abc' is not a number``.
        """
        expected = "expected three numbers ACC,SIZE,LATENCY, e.g. 100,0.01,0.1"
        if not text.strip():
            raise UsageError(f"--weights is empty; {expected}")
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 3:
            raise UsageError(f"--weights {text!r} has {len(parts)} values; {expected}")
        values = []
        for name, part in zip(WEIGHT_NAMES, parts):
            try:
                value = float(part)
            except ValueError:
                raise UsageError(f"--weights: {name} {part!r} is not a number; {expected}") from None
            if not math.isfinite(value):
                raise UsageError(f"--weights: {name} {part!r} is not finite; expected finite numbers, 0 or more")
            if value < 0:
                raise UsageError(f"--weights: {name} {part!r} is negative; expected numbers 0 or more")
            values.append(value)
        return cls(*values)


DEFAULT_WEIGHTS = Weights()
"""The seed's weights, what every command ranks by unless told otherwise."""


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether objectives ``a`` dominate ``b`` (accuracy up, size and latency down): no worse on each,
    better on one."""
    return (a[0] >= b[0] and a[1] <= b[1] and a[2] <= b[2]) and (a[0] > b[0] or a[1] < b[1] or a[2] < b[2])


def front_numbers(points: Iterable[tuple[float, float, float, int]]) -> list[int]:
    """Numbers of the non-dominated points, given as ``(-accuracy, size_kb, latency_ms, number)``.

    O(n log n): points are swept best accuracy first, so a point can only be dominated by one seen
    before it. Points of strictly higher accuracy are kept as a 2-D staircase of (size, latency)
    (sizes ascending, latencies strictly descending); one binary search tells whether any of them is
    at least as small and as fast. Points of equal accuracy dominate each other only on size and
    latency, checked within their group. ~0.1 s for 50,000 points.
    """
    ordered = sorted(points)
    stair_size: list[float] = []
    stair_latency: list[float] = []
    front: list[int] = []
    i, n = 0, len(ordered)
    while i < n:
        j = i
        while j < n and ordered[j][0] == ordered[i][0]:
            j += 1
        group = ordered[i:j]  # equal accuracy, sorted by size then latency
        best_below = math.inf  # least latency among the group's points of strictly smaller size
        k = 0
        while k < len(group):
            m = k
            while m < len(group) and group[m][1] == group[k][1]:
                m += 1
            least = group[k][2]  # least latency at this size (the group is sorted by it)
            for _, size, latency, number in group[k:m]:
                # Dominated within the group: smaller and no slower, or as small and faster.
                if best_below <= latency or least < latency:
                    continue
                # Dominated by a more accurate point: one at least as small and as fast.
                pos = bisect.bisect_right(stair_size, size)
                if pos and stair_latency[pos - 1] <= latency:
                    continue
                front.append(number)
            best_below = min(best_below, least)
            k = m
        for _, size, latency, _ in group:
            _stair_insert(stair_size, stair_latency, size, latency)
        i = j
    return front


def front_numbers_2d(points: Iterable[tuple[float, float, int]]) -> list[int]:
    """Numbers of the points not dominated on two objectives, given as ``(-accuracy, cost, number)``.

    The front of a plot of accuracy against one cost (size or latency): the same sweep as
    `front_numbers`, with the third objective equal for every point, so it decides nothing.
    """
    return front_numbers((neg_accuracy, cost, 0.0, number) for neg_accuracy, cost, number in points)


def _stair_insert(sizes: list[float], latencies: list[float], size: float, latency: float) -> None:
    """Add a point to a (size, latency) staircase, dropping the points it makes redundant."""
    pos = bisect.bisect_right(sizes, size)
    if pos and latencies[pos - 1] <= latency:
        return  # an existing point is at least as small and as fast
    end = pos
    while end < len(sizes) and latencies[end] >= latency:
        end += 1
    if pos and sizes[pos - 1] == size:  # same size, now faster: replace it
        pos -= 1
    sizes[pos:end] = [size]
    latencies[pos:end] = [latency]
