"""A brute-force Pareto front, to check the project's O(n log n) sweep and its users against."""

from __future__ import annotations


def dominates(a, b) -> bool:
    """Objective tuples (accuracy up, size and latency down): ``a`` is no worse anywhere and not equal."""
    return a[0] >= b[0] and a[1] <= b[1] and a[2] <= b[2] and tuple(a) != tuple(b)


def brute_force_front(trials):
    """Numbers of the complete trials no other complete trial dominates, in trial order."""
    done = [t for t in trials if t.state.name == "COMPLETE"]
    return sorted(t.number for t in done if not any(dominates(o.values, t.values) for o in done))
