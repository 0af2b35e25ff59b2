"""The hypervolume figure: exact on hand-computed fronts, equal to Optuna's, monotonic, and its reference."""

from __future__ import annotations

import random

import pytest

from tinynas_tui.core.hypervolume import (
    STATED_LATENCY_MS,
    STATED_SIZE_KB,
    HypervolumeHistory,
    Reference,
    hypervolume,
    normalise,
    of_values,
    reference_for,
)

REF = Reference(100.0, 10.0, "budgets", "budgets")


def test_one_point_is_its_box() -> None:
    assert hypervolume([(0.5, 0.5, 0.5)]) == pytest.approx(0.125)


def test_two_points_hand_computed() -> None:
    # Boxes 1 x 0.5 x 0.5 and 0.5 x 1 x 0.5 overlap in 0.5 x 0.5 x 0.5: 0.25 + 0.25 - 0.125.
    assert hypervolume([(1.0, 0.5, 0.5), (0.5, 1.0, 0.5)]) == pytest.approx(0.375)
    # A third box on the third axis: 0.5 x 0.5 x 1, overlapping each of the others in 0.125, all three in 0.125.
    assert hypervolume([(1.0, 0.5, 0.5), (0.5, 1.0, 0.5), (0.5, 0.5, 1.0)]) == pytest.approx(0.5)


def test_dominated_points_add_nothing() -> None:
    assert hypervolume([(0.8, 0.8, 0.8), (0.2, 0.5, 0.1)]) == pytest.approx(0.8 ** 3)


def test_normalise_clips_and_drops_points_beyond_the_reference() -> None:
    assert normalise((0.9, 25.0, 5.0), REF) == pytest.approx((0.9, 0.75, 0.5))
    assert normalise((0.9, 150.0, 5.0), REF) is None  # over the size bound
    assert normalise((0.9, 25.0, 10.0), REF) is None  # at the latency bound
    assert normalise((float("nan"), 25.0, 5.0), REF) is None


@pytest.mark.parametrize("seed", range(5))
def test_equals_optunas_hypervolume(seed: int) -> None:
    np = pytest.importorskip("numpy")
    from optuna._hypervolume import compute_hypervolume

    rng = random.Random(seed)
    points = [(rng.random(), rng.random(), rng.random()) for _ in range(40)]
    # Optuna minimises from its reference: our unit cube, larger better, is its [-1, 0]^3 from 0.
    theirs = compute_hypervolume(-np.array(points), np.zeros(3))
    assert hypervolume(points) == pytest.approx(theirs, rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_equals_optunas_hypervolume_with_ties_and_dominated_points(seed: int) -> None:
    """Points on a coarse grid: equal coordinates on every axis, duplicates, most of them dominated."""
    np = pytest.importorskip("numpy")
    from optuna._hypervolume import compute_hypervolume

    rng = random.Random(seed)
    points = [tuple(rng.randint(1, 5) / 5 for _ in range(3)) for _ in range(60)]
    theirs = compute_hypervolume(-np.array(sorted(set(points))), np.zeros(3))
    assert hypervolume(points) == pytest.approx(theirs, rel=1e-9)


def test_a_large_front_in_one_plane_is_its_staircase() -> None:
    # 1,000 points all on the front of the first two axes, one level on the third: the staircase area.
    points = [((i + 1) / 1000, 1 - i / 1000, 0.5) for i in range(1000)]
    staircase = sum((i + 1) / 1000 * (1 / 1000) for i in range(1000))
    assert hypervolume(points) == pytest.approx(0.5 * staircase, rel=1e-9)


def test_of_values_normalises_by_the_reference() -> None:
    trials = [(0.9, 25.0, 5.0), (0.5, 10.0, 2.0), (0.99, 150.0, 1.0)]  # the last is over the size bound
    assert of_values(trials, REF) == pytest.approx(hypervolume([(0.9, 0.75, 0.5), (0.5, 0.9, 0.8)]))
    assert of_values([], REF) == 0.0


def test_history_grows_and_matches_a_full_recompute() -> None:
    rng = random.Random(7)
    history = HypervolumeHistory(REF)
    trials = [(rng.random(), rng.uniform(1, 130), rng.uniform(0.5, 12)) for _ in range(300)]
    for values in trials:
        history.add(values)
    assert len(history.history) == 300
    assert all(a <= b for a, b in zip(history.history, history.history[1:]))
    assert history.history[-1] > history.history[0]
    normalised = [p for p in (normalise(v, REF) for v in trials) if p is not None]
    assert history.current == pytest.approx(hypervolume(normalised))


def test_reference_from_budgets_board_or_stated() -> None:
    both = reference_for({"max_flash_kb": 256, "max_latency_ms": 100}, {"board": "m4-1m"})
    assert (both.size_kb, both.latency_ms, both.size_from, both.latency_from) == (256, 100, "budgets", "budgets")
    assert both.text == "size 256 KiB, latency 100 ms, from the budgets"
    board = reference_for({}, {"board": "m0plus-256k", "core": "cortex-m0plus", "clock_mhz": 48})
    assert (board.size_kb, board.size_from, board.latency_ms) == (256, "board", STATED_LATENCY_MS)
    assert board.text == f"size 256 KiB from the board m0plus-256k, latency {STATED_LATENCY_MS:g} ms stated"
    stated = reference_for(None, {})
    assert (stated.size_kb, stated.latency_ms, stated.size_from) == (STATED_SIZE_KB, STATED_LATENCY_MS, "stated")


def test_reference_round_trips_and_refuses_junk() -> None:
    ref = reference_for({}, {"board": "m4-1m"})
    assert Reference.from_dict(ref.to_dict()) == ref
    assert Reference.from_dict(None) is None
    assert Reference.from_dict({"size_kb": "x", "latency_ms": 1}) is None
    assert Reference.from_dict({"size_kb": -1, "latency_ms": 1}) is None
