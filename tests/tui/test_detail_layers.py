"""The detail view's layer table, for trials recorded now (whole as a system attribute) and before."""

from __future__ import annotations

import io
import re

import optuna
from rich.console import Console

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.search.loop import set_user_attrs
from tinynas_tui.tui.widgets.trial_detail import describe

LAYERS = [
    {"name": "conv2d", "type": "Conv2D", "output_shape": [None, 26, 26, 16], "params": 160},
    {"name": "max_pooling2d", "type": "MaxPooling2D", "output_shape": [None, 13, 13, 16], "params": 0},
    {"name": "flatten", "type": "Flatten", "output_shape": [None, 2704], "params": 0},
    {"name": "dense", "type": "Dense", "output_shape": [None, 64], "params": 173120},
    {"name": "dense_1", "type": "Dense", "output_shape": [None, 10], "params": 650},
]
ROWS = [r"conv2d\s+Conv2D\s+26×26×16\s+160", r"flatten\s+Flatten\s+2704\s+0", r"dense\s+Dense\s+64\s+173,120"]


def _text(record: TrialRecord) -> str:
    console = Console(width=160, file=io.StringIO(), color_system=None)
    console.print(describe(record, TrialBook().rank(Weights()), Budgets(), ()))
    return console.file.getvalue()


def _trial(write) -> TrialRecord:
    study = optuna.create_study(storage=optuna.storages.RDBStorage("sqlite://"), directions=["maximize"] + ["minimize"] * 2)
    trial = study.ask()
    write(trial)
    frozen = study.tell(trial, [0.9, 170.0, 40.0])
    return TrialRecord.from_frozen(frozen)


def test_a_trial_recorded_now_shows_its_whole_layer_table():
    record = _trial(lambda t: set_user_attrs(t, {figures.LAYERS: LAYERS}))
    text = _text(record)
    for row in ROWS:
        assert re.search(row, text), text


def test_a_trial_of_an_older_study_shows_its_layer_table():
    record = _trial(lambda t: t.set_user_attr(figures.LAYERS, LAYERS))  # the whole list, as before
    text = _text(record)
    for row in ROWS:
        assert re.search(row, text), text


def test_only_the_one_line_summary_is_shown_as_it_is():
    record = TrialRecord(0, "complete", {}, (0.9, 170.0, 40.0), {figures.LAYERS: "conv/16 → maxpool → dense/10"})
    assert "conv/16 → maxpool → dense/10" in _text(record)
