"""TrialBook: live events and storage polls merged into one consistent view."""

from __future__ import annotations

from tinynas_tui.search.events import EpochEnded, StageStarted, TrialFailed, TrialFinished, TrialPruned, TrialStarted
from tinynas_tui.search.records import TrialBook, TrialRecord


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
