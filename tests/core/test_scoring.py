"""The weighted score, its weights as data, ranking and the Pareto front."""

from __future__ import annotations

import pytest
from pareto import dominates

from tinynas_tui.core.plot_scale import plot_points
from tinynas_tui.core.scoring import Weights, front_numbers, front_numbers_2d
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.errors import UsageError


def rank(trials, weights):
    """Trial numbers best first, as the trial book ranks them."""
    book = TrialBook()
    book.merge(TrialRecord(n, "complete", {}, values) for n, values in trials)
    return list(book.rank(weights).order)


def pareto_front(trials):
    """Numbers on the front, in trial order, by the project's sweep."""
    return sorted(front_numbers((-a, s, lat, n) for n, (a, s, lat) in trials))


def test_seed_score_formula():
    w = Weights()
    assert w.score(0.9350, 12.1, 1.98) == pytest.approx(0.9350 * 100 - 12.1 * 0.01 - 1.98 * 0.1)


def test_parse_weights():
    assert Weights.parse("100,0.01,0.1") == Weights(100, 0.01, 0.1)
    assert Weights.parse(" 50 , 1 , 0 ") == Weights(50, 1, 0)


@pytest.mark.parametrize("text, words", [
    ("100,abc,0.1", "--weights: SIZE 'abc' is not a number; expected three numbers ACC,SIZE,LATENCY"),
    ("100,0.01", "--weights '100,0.01' has 2 values; expected three numbers"),
    ("1,2,3,4", "has 4 values"),
    ("", "--weights is empty"),
    ("100,-1,0.1", "--weights: SIZE '-1' is negative"),
    ("nan,1,1", "--weights: ACC 'nan' is not finite"),
    ("1,1,inf", "--weights: LATENCY 'inf' is not finite"),
    ("1,1e400,1", "--weights: SIZE '1e400' is not finite"),
])
def test_bad_weights_are_refused(text, words):
    with pytest.raises(UsageError) as err:
        Weights.parse(text)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_weights_change_the_ranking():
    small = (0, (0.90, 10, 1))
    big = (1, (0.95, 200, 1))
    assert rank([small, big], Weights()) == [1, 0]
    assert rank([small, big], Weights(100, 1, 0.1)) == [0, 1]


def test_ties_keep_trial_order():
    a, b = (3, (0.9, 10, 1)), (1, (0.9, 10, 1))
    assert rank([a, b], Weights()) == [1, 3]


def test_pareto_front():
    trials = [
        (0, (0.90, 10, 1.0)),   # front: smallest
        (1, (0.95, 50, 2.0)),   # front: most accurate
        (2, (0.89, 20, 1.5)),   # dominated by 0
        (3, (0.92, 30, 0.5)),   # front: fastest
        (4, (0.90, 10, 1.0)),   # equal to 0: neither dominates
    ]
    assert pareto_front(trials) == [0, 1, 3, 4]


def test_pareto_front_matches_brute_force_on_random_trials():
    import random

    rng = random.Random(7)
    trials = [(i, (round(rng.random(), 2), rng.randint(1, 30), rng.randint(1, 30))) for i in range(300)]
    assert pareto_front(trials) == [n for n, v in trials if not any(dominates(o, v) for _, o in trials)]


def test_pareto_front_matches_brute_force_with_many_ties():
    """Coarse values give equal accuracies, sizes and latencies: the sweep's group logic must hold."""
    import random

    for seed in range(60):
        rng = random.Random(seed)
        q = rng.choice([1, 2, 3, 10])
        trials = [(i, (rng.randint(0, q) / q, rng.randint(0, q), rng.randint(0, q)))
                  for i in range(rng.randint(0, 80))]
        brute = [n for n, v in trials if not any(dominates(o, v) for _, o in trials)]
        assert pareto_front(trials) == brute, seed


def test_the_dominance_rule_is_the_brute_force_one():
    """`core.scoring.dominates` (used by the live front) agrees with the plain definition."""
    import itertools

    from tinynas_tui.core.scoring import dominates as project_dominates

    values = [(a, s, lat) for a, s, lat in itertools.product((0.8, 0.9), (1, 2), (1, 2))]
    for a, b in itertools.product(values, values):
        assert project_dominates(a, b) == dominates(a, b), (a, b)


def test_the_front_of_two_axes_drops_a_point_that_only_wins_on_the_third():
    # 2 is the fastest: on the 3-objective front, but 1 is more accurate and smaller.
    trials = [(0, (0.95, 30.0, 4.0)), (1, (0.90, 10.0, 3.0)), (2, (0.85, 12.0, 1.0)), (3, (0.80, 40.0, 5.0))]
    assert pareto_front(trials) == [0, 1, 2]
    assert sorted(front_numbers_2d((-a, s, n) for n, (a, s, _) in trials)) == [0, 1]
    assert sorted(front_numbers_2d((-a, lat, n) for n, (a, _, lat) in trials)) == [0, 1, 2]
    points = {p.number: p for p in plot_points(((n, a, s) for n, (a, s, _) in trials), {0, 1, 2}, {3})}
    assert [(p.on_axes_front, p.on_front, p.marked) for p in points.values()] == [
        (True, True, False), (True, True, False), (False, True, False), (False, False, True)]


@pytest.mark.parametrize("seed", range(5))
def test_the_front_of_two_axes_matches_pairwise_dominance(seed):
    import random

    rng = random.Random(seed)
    # Few distinct values: ties on accuracy and on cost are common.
    trials = [(n, (rng.choice([0.7, 0.8, 0.9]), float(rng.randint(1, 6)))) for n in range(40)]
    brute = sorted(n for n, v in trials if not any(dominates((*o, 0), (*v, 0)) for _, o in trials))
    assert sorted(front_numbers_2d((-a, c, n) for n, (a, c) in trials)) == brute
