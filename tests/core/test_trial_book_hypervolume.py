"""The trial book keeps the hypervolume history as trials complete, without a pass over the study."""

from __future__ import annotations

import pytest

from tinynas_tui.core.events import TrialFinished, TrialStarted
from tinynas_tui.core.hypervolume import HypervolumeHistory, Reference
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord

REF = Reference(100.0, 10.0, "budgets", "budgets")
VALUES = {0: (0.5, 50.0, 5.0), 1: (0.6, 60.0, 4.0), 2: (0.4, 80.0, 8.0)}


def _book() -> TrialBook:
    book = TrialBook(clock=lambda: 0.0)
    book.merge(TrialRecord(n, "complete", {}, v) for n, v in VALUES.items())
    return book


def _of(values) -> list[float]:
    hv = HypervolumeHistory(REF)
    for v in values:
        hv.add(v)
    return hv.history


def test_the_history_is_in_trial_order_and_kept_as_trials_complete():
    book = _book()
    hv = book.hypervolume(REF)
    assert hv.history == _of(VALUES.values())
    book.apply(TrialStarted(3, {}))
    book.apply(TrialFinished(3, accuracy=0.9, size_kb=10.0, latency_ms=1.0, metrics={}))
    assert book.hypervolume(REF) is hv  # the same history, one point longer: no pass over the study
    assert hv.history == _of([*VALUES.values(), (0.9, 10.0, 1.0)])
    assert hv.history[-1] > hv.history[-2]


def test_changed_values_or_another_reference_start_again():
    book = _book()
    first = book.hypervolume(REF)
    book.merge([TrialRecord(1, "complete", {}, (0.7, 60.0, 4.0))])
    again = book.hypervolume(REF)
    assert again is not first and again.history == _of([VALUES[0], (0.7, 60.0, 4.0), VALUES[2]])
    other = Reference(1000.0, 100.0)
    assert book.hypervolume(other).current == pytest.approx(_hv_current(other))


def _hv_current(ref: Reference) -> float:
    hv = HypervolumeHistory(ref)
    for v in (VALUES[0], (0.7, 60.0, 4.0), VALUES[2]):
        hv.add(v)
    return hv.current
