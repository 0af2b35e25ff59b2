"""The table's filter rule and same-architecture groups (plain core, no Textual)."""

from __future__ import annotations

import pytest

from tinynas_tui.core.architecture import ArchitectureGroups
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.space import SINGLE_CONV, TRAINING_PARAMS, architecture_key
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.trial_filter import TrialFilter, parse_filter, value_matches
from tinynas_tui.errors import UsageError


def record(number, state="complete", values=(0.9, 50.0, 1.0), **params):
    return TrialRecord(number, state, params, values if state == "complete" else None)


def test_parse_words_and_conditions():
    flt = parse_filter("complete  Front, num_filters = 16 within budgets", SINGLE_CONV.names)
    assert flt == TrialFilter(complete=True, within_budgets=True, on_front=True, params=(("num_filters", "16"),))
    assert flt.describe() == "complete, within budgets, on front, num_filters=16"
    assert parse_filter(flt.describe(), SINGLE_CONV.names) == flt  # what it says can be typed again
    assert not parse_filter("  ").active


def test_parse_refuses_unknown_parameter_and_word():
    with pytest.raises(UsageError, match="unknown parameter 'filters'.*num_filters"):
        parse_filter("filters=16", SINGLE_CONV.names)
    with pytest.raises(UsageError, match="'finished' is not a filter"):
        parse_filter("finished")


def test_values_match_by_kind():
    assert value_matches(16, "16") and value_matches(16, "16.0") and not value_matches(16, "32")
    assert value_matches(0.000930896, "0.000930896") and not value_matches(0.00093, "0.001")
    assert value_matches(True, "true") and not value_matches(False, "true")
    assert value_matches("relu", "relu") and not value_matches(16, "sixteen")


def test_matches_state_front_budgets_and_params():
    book = TrialBook()
    book.merge([record(0, values=(0.9, 50.0, 1.0), num_filters=16), record(1, values=(0.8, 300.0, 2.0), num_filters=8),
                record(2, "running", num_filters=16), record(3, values=(0.95, 400.0, 0.5), num_filters=16),
                TrialRecord(4, "complete", {}, (0.5, 10.0, 0.1), partial=True)])
    ranking = book.rank(Weights(), Budgets(max_flash_kb=100))

    def shown(text):
        flt = parse_filter(text)
        return [n for n, r in book.records.items() if flt.matches(r, ranking)]

    assert shown("complete") == [0, 1, 3, 4]
    assert shown("budgets") == [0, 4]  # complete and within the 100 KiB flash budget
    assert shown("front") == [0, 3, 4]  # 1 is dominated by 0
    assert shown("num_filters=16") == [0, 2, 3]  # 4's parameters are not known: it does not match
    assert shown("complete, num_filters=16, front") == [0, 3]


def test_architecture_leaves_training_params_out():
    assert {"lr", "dropout", "batch_size"} <= TRAINING_PARAMS
    a = architecture_key({"num_filters": 16, "kernel_size": 3, "lr": 0.01, "dropout": 0.1})
    b = architecture_key({"kernel_size": 3, "num_filters": 16, "lr": 0.002, "dropout": 0.2})
    assert a == b and a != architecture_key({"num_filters": 8, "kernel_size": 3, "lr": 0.01})
    assert architecture_key({}) is None
    assert architecture_key({"lr": 0.1}) == architecture_key({"lr": 0.2})  # nothing shapes: one architecture


def test_groups_are_labelled_by_their_first_trial():
    groups = ArchitectureGroups()
    assert groups.add(5, {"num_filters": 16, "lr": 0.1}) == set()
    assert groups.label(5) is None  # alone: no mark
    assert groups.add(9, {"num_filters": 16, "lr": 0.2}) == {5, 9}
    assert groups.label(5) == groups.label(9) == 5
    assert groups.add(12, {"num_filters": 16, "lr": 0.3}) == {12}
    assert groups.add(2, {"num_filters": 16, "lr": 0.4}) == {2, 5, 9, 12}  # a new first trial: every label
    assert groups.label(12) == 2 and groups.same_as(9) == [2, 5, 12]
    assert groups.add(9, {"num_filters": 8}) == set()  # once per trial
    assert groups.add(7, {}) == set() and groups.label(7) is None  # unknown parameters


def test_add_params_fills_only_records_without_them():
    book = TrialBook()
    book.merge([TrialRecord(0, "complete", {}, (0.9, 1.0, 1.0), partial=True), record(1, num_filters=8)])
    assert book.add_params({0: {"num_filters": 16}, 1: {"num_filters": 32}, 7: {"num_filters": 8}}) == [0]
    assert book.get(0).params == {"num_filters": 16} and book.get(0).partial  # the rest is still to read
    assert book.get(1).params == {"num_filters": 8}
