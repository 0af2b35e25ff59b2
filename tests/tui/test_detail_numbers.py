"""The detail view's numbers in plain words: KiB for sizes, counts in full, quantization and budgets."""

from __future__ import annotations

import io
import math
import re

import pytest
from rich.console import Console

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets, check_text
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.widgets.trial_detail import describe

ATTRS = {
    figures.MACS: 12_345_678, figures.PARAMS: 173_930, figures.ARENA_BYTES: 49_357, figures.QUANTIZATION: "int8",
    figures.FULLY_INT8: True, figures.FLOAT_TENSORS: 0, figures.LATENCY_BOARD: "m4-1m",
    figures.LATENCY_CYCLES: 2_345_678, figures.GZIP_BYTES: 2048,
}


def text_of(record: TrialRecord, budgets: Budgets = Budgets()) -> str:
    book = TrialBook()
    book.merge([record])
    console = Console(width=160, file=io.StringIO(), color_system=None)
    console.print(describe(record, book.rank(Weights()), budgets, ()))
    return console.file.getvalue()


def test_sizes_say_kib_and_counts_have_thousands_separators():
    text = text_of(TrialRecord(3, "complete", {}, (0.9, 584.9765625, 12.5), ATTRS))
    assert "584.0 KiB" not in text and "585.0 KiB" in text and "48.2 KiB" in text and "2.0 KiB" in text
    assert " KB" not in text
    assert "12,345,678" in text and "173,930" in text and "2,345,678" in text


@pytest.mark.parametrize(("attrs", "words"), [
    ({figures.QUANTIZATION: "int8", figures.FULLY_INT8: True, figures.FLOAT_TENSORS: 0},
     "int8 throughout"),
    ({figures.QUANTIZATION: "dynamic", figures.FULLY_INT8: False, figures.FLOAT_TENSORS: 12},
     "dynamic, 12 float tensors"),
    ({figures.QUANTIZATION: "int8", figures.FULLY_INT8: False, figures.FLOAT_TENSORS: 0},
     "int8, float in/out"),
])
def test_quantization_is_said_in_words(attrs, words):
    text = text_of(TrialRecord(0, "complete", {}, (0.9, 20.0, 1.0), attrs))
    assert re.search(r"quantization\s+" + re.escape(words), text) and "fully: True" not in text and "fully: False" not in text


def test_budgets_are_said_in_words():
    record = TrialRecord(0, "complete", {}, (0.9, 584.9765625, 12.5), {figures.ARENA_BYTES: 49_357})
    text = text_of(record, Budgets(max_flash_kb=100, max_ram_kb=64, max_latency_ms=10))
    assert re.search(r"flash\s+585\.0 KiB, over the 100 KiB budget", text)
    assert re.search(r"RAM\s+48\.2 KiB, within 64 KiB", text)
    assert re.search(r"latency\s+12\.50 ms, over the 10 ms budget", text)
    assert "≤" not in text and "✗" not in text


def test_an_unknown_or_unmeasurable_figure_is_said_so():
    assert check_text("RAM", 64, None) == "not measured (budget 64 KiB)"
    assert check_text("flash", 100, math.nan) == "not measurable: counted over the 100 KiB budget"
    assert check_text("flash", 100, 100.0) == "100.0 KiB, within 100 KiB"


def test_the_detail_says_where_the_trial_trained_and_which_process_ran_it():
    attrs = {**ATTRS, figures.TIMINGS: {"train": 1.5}, figures.TRAINED_ON: "GPU 1 (NVIDIA H200)",
             figures.WORKER_HOST: "box:4242"}
    text = text_of(TrialRecord(3, "complete", {}, (0.9, 20.0, 12.5), attrs))
    assert re.search(r"trained on\s+GPU 1 \(NVIDIA H200\)", text) and re.search(r"run by\s+box:4242", text)
    assert "trained on" not in text_of(TrialRecord(3, "complete", {}, (0.9, 20.0, 12.5), ATTRS))


def test_both_accuracies_have_the_tables_four_decimals():
    text = text_of(TrialRecord(3, "complete", {}, (0.923333333, 20.0, 12.5),
                               {**ATTRS, figures.FLOAT_ACCURACY: 0.9366666667}))
    assert re.search(r"accuracy int8\s+0\.9233\b", text) and re.search(r"accuracy float\s+0\.9367\b", text)
    assert "0.936667" not in text


def test_early_stopping_shows_the_kept_epochs_validation_accuracy():
    converged = {**ATTRS, figures.VALIDATION_ACCURACY: 0.9775, figures.BEST_EPOCH: 13, figures.EPOCHS_RUN: 19,
                 figures.VALIDATION_SAMPLES: 400}
    text = text_of(TrialRecord(3, "complete", {}, (0.98, 30.6, 49.1), converged))
    assert "validation acc" in text and "0.9775 (epoch 13 of 19, 400 held out)" in text
    plain = text_of(TrialRecord(3, "complete", {}, (0.98, 30.6, 49.1), {**ATTRS, figures.EPOCHS_RUN: 1}))
    assert "validation acc" not in plain
