"""The weighted score, its weights as data, ranking and the Pareto front."""

from __future__ import annotations

import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.core.scoring import TrialMetrics, Weights, pareto_front, rank


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
    small = TrialMetrics(0, accuracy=0.90, size_kb=10, latency_ms=1)
    big = TrialMetrics(1, accuracy=0.95, size_kb=200, latency_ms=1)
    assert [t.number for _, t in rank([small, big], Weights())] == [1, 0]
    assert [t.number for _, t in rank([small, big], Weights(100, 1, 0.1))] == [0, 1]


def test_ties_keep_trial_order():
    a, b = TrialMetrics(3, 0.9, 10, 1), TrialMetrics(1, 0.9, 10, 1)
    assert [t.number for _, t in rank([a, b], Weights())] == [1, 3]


def test_pareto_front():
    trials = [
        TrialMetrics(0, 0.90, 10, 1.0),   # front: smallest
        TrialMetrics(1, 0.95, 50, 2.0),   # front: most accurate
        TrialMetrics(2, 0.89, 20, 1.5),   # dominated by 0
        TrialMetrics(3, 0.92, 30, 0.5),   # front: fastest
        TrialMetrics(4, 0.90, 10, 1.0),   # equal to 0: neither dominates
    ]
    assert [t.number for t in pareto_front(trials)] == [0, 1, 3, 4]


def test_pareto_front_matches_brute_force_on_random_trials():
    import random

    rng = random.Random(7)
    trials = [TrialMetrics(i, round(rng.random(), 2), rng.randint(1, 30), rng.randint(1, 30)) for i in range(300)]

    def dominated(t):
        return any(o.accuracy >= t.accuracy and o.size_kb <= t.size_kb and o.latency_ms <= t.latency_ms
                   and (o.accuracy, o.size_kb, o.latency_ms) != (t.accuracy, t.size_kb, t.latency_ms)
                   for o in trials)

    assert [t.number for t in pareto_front(trials)] == [t.number for t in trials if not dominated(t)]


def test_pareto_front_matches_brute_force_with_many_ties():
    """Coarse values give equal accuracies, sizes and latencies: the sweep's group logic must hold."""
    import random

    from tinynas_tui.core.scoring import dominates

    for seed in range(60):
        rng = random.Random(seed)
        q = rng.choice([1, 2, 3, 10])
        trials = [TrialMetrics(i, rng.randint(0, q) / q, rng.randint(0, q), rng.randint(0, q))
                  for i in range(rng.randint(0, 80))]
        brute = [t.number for t in trials if not any(dominates(o, t) for o in trials)]
        assert [t.number for t in pareto_front(trials)] == brute, seed
