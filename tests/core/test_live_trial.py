"""The book's record of a running trial: its epochs (bounded), stage pace, pre-flight figures, start and
duration, and the study's typical duration."""

from __future__ import annotations

from tinynas_tui.core import figures
from tinynas_tui.core.events import (
    EpochEnded,
    PreflightMeasured,
    StageStarted,
    TrialFailed,
    TrialFinished,
    TrialStarted,
)
from tinynas_tui.core.live_trial import MAX_EPOCHS_KEPT
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_running_trial_keeps_its_epochs_stage_and_preflight_figures():
    clock = Clock()
    book = TrialBook(clock)
    book.apply(TrialStarted(0, {"x": 1}))
    assert book.get(0).started_at == 1000.0 and book.get(0).live.epochs == ()
    book.apply(PreflightMeasured(0, {figures.PARAMS: 1234, figures.MACS: 56789}))
    clock.now = 1002.0
    book.apply(StageStarted(0, "train"))
    for epoch in (1, 2):
        clock.now += 3.0
        book.apply(EpochEnded(0, "train", epoch, 10, {"loss": 1.0 / epoch, "accuracy": 0.5 + epoch / 10}))
    live = book.get(0).live
    assert [(e.epoch, e.logs["loss"]) for e in live.epochs] == [(1, 1.0), (2, 0.5)]
    assert live.preflight == {figures.PARAMS: 1234, figures.MACS: 56789}
    assert live.stage == "train" and book.get(0).stage == "train 2/10"
    assert live.stage_left(clock.now) == 24.0  # 3 s an epoch, 8 epochs to go
    assert live.stage_left(clock.now + 4.0) == 20.0  # the epoch under way counts
    clock.now = 1030.0
    book.apply(TrialFinished(0, 0.9, 10.0, 1.0, metrics={figures.PARAMS: 1234}))
    done = book.get(0)
    assert done.live is None and done.seconds == 30.0 and done.attrs[figures.PARAMS] == 1234


def test_the_epoch_history_is_bounded_to_the_newest():
    book = TrialBook(Clock())
    book.apply(TrialStarted(0, {}))
    total = MAX_EPOCHS_KEPT + 25
    for epoch in range(1, total + 1):
        book.apply(EpochEnded(0, "train", epoch, total, {"loss": float(epoch)}))
    epochs = book.get(0).live.epochs
    assert len(epochs) == MAX_EPOCHS_KEPT
    assert epochs[0].epoch == total - MAX_EPOCHS_KEPT + 1 and epochs[-1].epoch == total


def test_a_poll_of_a_running_trial_keeps_what_was_heard_live_and_takes_storage_start():
    book = TrialBook(Clock())
    book.apply(TrialStarted(0, {}))
    book.apply(PreflightMeasured(0, {figures.MACS: 7}))
    book.apply(EpochEnded(0, "train", 1, 3, {"loss": 0.4}))
    book.merge([TrialRecord(0, "running", {"x": 1}, started_at=999.5)])
    record = book.get(0)
    assert record.params == {"x": 1} and record.started_at == 999.5
    assert record.live.preflight == {figures.MACS: 7} and len(record.live.epochs) == 1


def test_a_trial_another_process_runs_has_no_live_progress_but_its_start():
    book = TrialBook(Clock())
    book.merge([TrialRecord(3, "running", {"x": 2}, attrs={figures.WORKER_HOST: "box:42"}, started_at=900.0)])
    assert book.get(3).live is None and book.get(3).started_at == 900.0
    assert book.apply(PreflightMeasured(7, {})) is None  # no such trial here


def test_preflight_figures_of_a_finished_trial_are_ignored():
    book = TrialBook(Clock())
    book.apply(TrialStarted(0, {}))
    book.apply(TrialFailed(0, "train", "NaN"))
    assert book.apply(PreflightMeasured(0, {figures.MACS: 7})) is None and book.get(0).live is None


def test_typical_seconds_is_the_median_of_complete_trials_with_a_duration():
    book = TrialBook(Clock())
    assert book.typical_seconds() is None
    book.merge([TrialRecord(n, "complete", {}, (0.9, 1.0, 1.0), seconds=s) for n, s in enumerate((10.0, 50.0, 20.0))]
               + [TrialRecord(3, "complete", {}, (0.9, 1.0, 1.0)),  # no duration (a summary read)
                  TrialRecord(4, "failed", {}, seconds=1.0)])  # not complete
    assert book.typical_seconds() == (20.0, 3)
    book.merge([TrialRecord(5, "complete", {}, (0.8, 1.0, 1.0), seconds=90.0)])
    assert book.typical_seconds() == (35.0, 4)
