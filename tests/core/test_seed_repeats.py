"""Seed repeats: which trials `--confirm` repeats, what the repeats say, and that they never rank."""

from __future__ import annotations

import statistics

import pytest

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.events import TrialFinished, TrialStarted
from tinynas_tui.core.hypervolume import Reference
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.seed_repeats import SeedSpread, plan_confirm, spread
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord

REF = Reference(100.0, 10.0, "budgets", "budgets")
# 0, 1, 2 and 4 are on the front; 3 is dominated by 1; 4 is the largest and slowest.
VALUES = {0: (0.80, 10.0, 1.0), 1: (0.90, 20.0, 2.0), 2: (0.95, 40.0, 3.0), 3: (0.85, 30.0, 3.0),
          4: (0.97, 90.0, 9.0)}


def record(number, values, repeat_of=None, state="complete"):
    attrs = {} if repeat_of is None else {figures.REPEAT_OF: repeat_of}
    return TrialRecord(number, state, {"n": number if repeat_of is None else repeat_of},
                       values if state == "complete" else None, attrs)


def book_of(*records):
    book = TrialBook(clock=lambda: 0.0)
    book.merge([*(record(n, v) for n, v in VALUES.items()), *records])
    return book


def plan(book, top, repeats=2, budgets=None):
    return plan_confirm(book.records, book.rank(Weights(), budgets), book.repeats, top, repeats)


def test_the_top_of_the_front_by_score_is_chosen_and_dominated_or_over_budget_trials_are_not():
    book = book_of()
    ranking = book.rank(Weights())
    by_score = [n for n in ranking.order if n in ranking.front]
    assert 3 not in ranking.front and len(by_score) == 4
    assert plan(book, 2).chosen == tuple(by_score[:2])
    assert plan(book, 10).chosen == tuple(by_score)  # the front holds fewer than asked: all of it
    # Over the flash budget, trial 4 is out even where its score would place it.
    assert 4 not in plan(book, 10, budgets=Budgets(max_flash_kb=50)).chosen
    assert plan(book, 0).chosen == ()


def test_a_resume_counts_the_repeats_a_trial_has_and_retries_only_those_that_failed():
    best = plan(book_of(), 1).chosen[0]
    done = book_of(record(10, VALUES[best], best), record(11, VALUES[best], best))
    assert plan(done, 1).more == {best: 0}
    assert plan(done, 1, repeats=3).more == {best: 1}
    mixed = book_of(record(10, VALUES[best], best), record(11, None, best, "failed"),
                    record(12, None, best, "waiting"), record(13, None, best, "running"))
    assert plan(mixed, 1, repeats=4).more == {best: 1}  # complete, queued and running count; failed not


def test_the_spread_is_over_the_trial_and_its_complete_repeats():
    original = record(4, (0.941, 10.0, 1.0))
    repeats = [record(21, (0.935, 10.0, 1.0), 4), record(22, (0.946, 10.0, 1.0), 4), record(23, None, 4, "failed"),
               record(24, (0.5, 1.0, 1.0), 7)]  # another trial's repeat
    found = spread(original, repeats)
    accuracies = (0.941, 0.935, 0.946)
    assert found.trials == (4, 21, 22) and found.accuracies == accuracies
    assert found.mean == pytest.approx(statistics.mean(accuracies))
    assert found.std == pytest.approx(statistics.stdev(accuracies))
    assert (found.low, found.high) == (0.935, 0.946)
    assert spread(original, repeats[2:]) is None  # no complete repeat: nothing to say
    assert spread(repeats[0], repeats) is None  # a repeat has no spread of its own


def test_the_spread_line_and_its_attributes():
    found = SeedSpread((4, 21, 22), (0.941, 0.9362, 0.946))
    assert found.line == "accuracy over 3 seeds: 0.9411 ± 0.0049 (0.9362–0.9460; trials 4, 21, 22)"
    attrs = found.attrs()
    assert attrs[figures.ACCURACY_RUNS] == 3 and attrs[figures.ACCURACY_TRIALS] == [4, 21, 22]
    assert attrs[figures.ACCURACY_STD] == pytest.approx(found.std)


def test_repeats_stay_off_the_front_the_rank_and_the_hypervolume():
    plain = book_of()
    # A lucky seed of trial 0 beats every trial; were it a candidate it would rank first and dominate 0.
    lucky = book_of(record(10, (0.99, 10.0, 1.0), 0))
    ranking = lucky.rank(Weights())
    assert 10 not in ranking.ranks and 10 not in ranking.front and 0 in ranking.front
    assert ranking.order == plain.rank(Weights()).order
    assert lucky.hypervolume(REF).current == pytest.approx(plain.hypervolume(REF).current)
    assert [r.number for r in lucky.complete()] == list(VALUES)
    assert lucky.count("complete") == len(VALUES) + 1  # still a trial of the study, in the table
    assert lucky.seed_line(10) == "seed repeat of #0"
    assert lucky.seed_line(0).startswith("accuracy over 2 seeds: ")


def test_a_repeat_run_live_or_first_read_without_its_attribute_never_stays_on_the_front():
    book = book_of()
    book.hypervolume(REF)  # kept incrementally from now on
    book.apply(TrialStarted(10, {"n": 0}, repeat_of=0))
    book.apply(TrialFinished(10, accuracy=0.99, size_kb=10.0, latency_ms=1.0))
    assert book.get(10).state == "complete" and 10 not in book.front()
    assert book.hypervolume(REF).current == pytest.approx(book_of().hypervolume(REF).current)
    # A record read before its attribute (e.g. a live result without it) is a candidate until the poll says.
    other = book_of(record(11, (0.99, 10.0, 1.0)))
    assert 11 in other.front()
    other.merge([record(11, (0.99, 10.0, 1.0), 0)])
    assert 11 not in other.front() and 0 in other.front() and other.repeats.original(11) == 0


def test_the_plan_says_what_it_does_in_one_line():
    book = book_of()
    assert plan(book, 3).line(6) == "Confirming the top 3 trials of the front with 2 more seeds each (6 trials)"
    assert plan(book, 9).line(8).startswith("Confirming the top 4 trials of the front (all it holds within")
    best = plan(book, 1).chosen[0]
    done = book_of(record(10, VALUES[best], best), record(11, VALUES[best], best))
    assert plan(done, 1).line(0) == "Nothing to confirm: the top 1 trial of the front has 2 seed repeats already"
    assert plan(done, 2).line(2).endswith(f"(2 trials; trial {best} has its repeats already)")
    assert plan(book_of(), 3, budgets=Budgets(max_flash_kb=1)).line(0).startswith("Nothing to confirm: the front")
