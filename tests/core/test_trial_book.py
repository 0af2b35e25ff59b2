"""TrialBook: live events and storage polls merged into one consistent view."""

from __future__ import annotations

from tinynas_tui.core.events import (
    EpochEnded,
    StageStarted,
    TrialFailed,
    TrialFinished,
    TrialPruned,
    TrialStarted,
)
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.scoring import Weights


def test_events_walk_a_trial_through_its_states():
    book = TrialBook()
    book.apply(TrialStarted(0, {"x": 1}))
    book.apply(StageStarted(0, "distill"))
    book.apply(EpochEnded(0, "distill", 3, 10))
    assert (book.get(0).state, book.get(0).stage) == ("running", "distill 3/10")
    book.apply(TrialFinished(0, 0.9, 10.0, 1.0, metrics={"arena_bytes": 2048}))
    assert book.get(0).state == "complete" and book.get(0).arena_kb == 2.0
    book.apply(TrialStarted(1, {}))
    book.apply(TrialPruned(1, "preflight", "needs 300 KB", {"est_weight_bytes": 1}))
    assert book.get(1).reason == "preflight: needs 300 KB"
    book.apply(TrialStarted(2, {}))
    book.apply(TrialFailed(2, "train", "loss became NaN"))
    assert book.count("complete", "pruned", "failed") == 3


def test_a_stale_poll_never_undoes_a_finished_trial():
    book = TrialBook()
    book.apply(TrialStarted(0, {}))
    book.apply(TrialFinished(0, 0.9, 10.0, 1.0))
    stale = TrialRecord(0, "running", {})
    assert book.merge([stale]) == []
    assert book.get(0).state == "complete"


def test_a_poll_keeps_the_live_stage_of_a_running_trial_and_completes_it():
    book = TrialBook()
    book.apply(TrialStarted(0, {}))
    book.apply(StageStarted(0, "qat"))
    book.merge([TrialRecord(0, "running", {"x": 1})])
    assert book.get(0).stage == "qat" and book.get(0).params == {"x": 1}
    book.merge([TrialRecord(0, "complete", {"x": 1}, (0.8, 5.0, 0.5))])
    assert book.get(0).state == "complete" and book.get(0).values == (0.8, 5.0, 0.5)


def _random_records(n, seed=3, coarse=False):
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        if rng.random() < 0.1:
            out.append(TrialRecord(i, "failed", {}, None, {"fail_reason": "x"}))
            continue
        acc = round(rng.random(), 1 if coarse else 6)
        size = round(rng.uniform(5, 50), 0 if coarse else 3)
        lat = round(rng.uniform(0.1, 3), 1 if coarse else 4)
        out.append(TrialRecord(i, "complete", {}, (acc, size, lat), {"arena_bytes": rng.randint(1, 80) * 1024}))
    return out


def fits(budgets, record):
    """The detail's budget rows say no budget is broken (an unknown figure breaks none)."""
    return all(holds is not False for *_, holds in budgets.checks(record))


def test_ranking_matches_its_definition_with_and_without_budgets():
    from tinynas_tui.core.budgets import Budgets
    from tinynas_tui.core.scoring import Weights

    records = _random_records(400, coarse=True)  # coarse: equal scores happen, ties go to the lower number
    book = TrialBook()
    book.merge(reversed(records))  # arrival order must not matter
    done = [r for r in records if r.state == "complete"]
    for weights, budgets in [(Weights(), Budgets()), (Weights(1, 0, 0), Budgets()),
                             (Weights(100, 1, 0.1), Budgets(30, 40, 2.0)), (Weights(), Budgets(None, 20, None))]:
        ranking = book.rank(weights, budgets)
        expected = sorted(done, key=lambda r: (not fits(budgets, r), -weights.score(*r.values), r.number))
        assert list(ranking.order) == [r.number for r in expected]
        assert ranking.ranks == {r.number: i for i, r in enumerate(expected, start=1)}
        assert ranking.feasible == {r.number for r in done if fits(budgets, r)}
        assert ranking.scores == {r.number: weights.score(*r.values) for r in done}
        assert ranking.best == expected[0].number


def test_front_kept_live_equals_a_fresh_sweep():
    from pareto import dominates

    records = _random_records(300, seed=5, coarse=True)
    live = TrialBook()
    for r in records:  # one trial at a time, as events: the incremental path
        live.apply(TrialStarted(r.number, {}))
        if r.state == "complete":
            live.apply(TrialFinished(r.number, *r.values, metrics=r.attrs))
        else:
            live.apply(TrialFailed(r.number, "train", "x"))
        if r.number % 50 == 0:
            done = live.complete()
            assert live.front() == {c.number for c in done if not any(dominates(o.values, c.values) for o in done)}
    bulk = TrialBook()
    bulk.merge(records)  # many at once: the sweep
    assert live.front() == bulk.front() and live.rank(Weights()).front == bulk.front()


def test_counts_follow_state_changes():
    book = TrialBook()
    book.merge([TrialRecord(0, "running", {}), TrialRecord(1, "waiting", {})])
    assert book.count("running") == 1 and book.count("waiting") == 1
    book.merge([TrialRecord(0, "complete", {}, (0.9, 1.0, 1.0)), TrialRecord(1, "running", {})])
    assert (book.count("running"), book.count("waiting"), book.count("complete")) == (1, 0, 1)
    assert book.count("complete", "failed", "pruned") == 1
