"""Writing a trial's figures in one statement (`RetryingRDBStorage.set_trial_user_attrs`)."""

from __future__ import annotations

import optuna
import pytest
from optuna.exceptions import UpdateFinishedTrialError

from tinynas_tui.search.loop import set_user_attrs
from tinynas_tui.search.storage import RetryingRDBStorage

FIGURES = {"accuracy_float": 0.9731, "arena_bytes": 20480, "ops": ["CONV_2D", "FULLY_CONNECTED"],
           "teacher_cached": True, "note": None, "fail_reason": "ünïcode ✓"}


def _study(url: str) -> optuna.Study:
    storage = RetryingRDBStorage(url)
    return optuna.create_study(storage=storage, directions=["maximize", "minimize"])


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'attrs.db'}"
    return request.getfixturevalue("postgres_url")


def test_figures_written_at_once_read_back_as_optuna_writes_them(url):
    study = _study(url)
    batched, one_by_one = study.ask(), study.ask()
    set_user_attrs(batched, FIGURES)
    for key, value in FIGURES.items():
        one_by_one.set_user_attr(key, value)
    stored = {t.number: t.user_attrs for t in study.get_trials()}
    assert stored[batched.number] == stored[one_by_one.number] == FIGURES
    assert batched._cached_frozen_trial.user_attrs == FIGURES  # as Trial.set_user_attr keeps it


def test_a_second_write_replaces_keys_and_keeps_the_others(url):
    study = _study(url)
    trial = study.ask()
    set_user_attrs(trial, {"a": 1, "b": 2})
    set_user_attrs(trial, {"b": 3, "c": 4})
    assert study.get_trials()[0].user_attrs == {"a": 1, "b": 3, "c": 4}


def test_a_finished_trial_refuses_the_write_and_keeps_its_attributes(url):
    study = _study(url)
    trial = study.ask()
    set_user_attrs(trial, {"a": 1})
    study.tell(trial, [0.5, 1.0])
    with pytest.raises(UpdateFinishedTrialError):
        set_user_attrs(trial, {"a": 2, "b": 3})
    assert study.get_trials()[0].user_attrs == {"a": 1}


def test_storages_without_the_batch_get_one_write_per_figure():
    study = optuna.create_study(directions=["maximize", "minimize"])  # in memory
    trial = study.ask()
    set_user_attrs(trial, FIGURES)
    assert study.get_trials()[0].user_attrs == FIGURES
