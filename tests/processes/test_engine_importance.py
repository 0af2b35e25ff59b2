"""The real engine's importance: read from the study's storage, plain data back, the negation kept."""

from __future__ import annotations

import dataclasses
import random

import optuna

from tinynas_tui.core.importance import MIN_TRIALS, ImportanceReport
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.space import SINGLE_CONV

optuna.logging.set_verbosity(optuna.logging.ERROR)


def add_trials(tmp_path, n: int) -> None:
    """Trials told by another connection: accuracy rises with num_filters, size with dense_units."""
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path}/runs/tinynas.db")
    study = optuna.load_study(study_name="s", storage=storage, sampler=optuna.samplers.RandomSampler(seed=1))
    noise = random.Random(2)
    for _ in range(n):
        trial = study.ask()
        p = SINGLE_CONV.suggest(trial)
        accuracy = 0.5 + p["num_filters"] / 100 + noise.uniform(0, 0.01)
        study.tell(trial, (accuracy, p["dense_units"] + noise.uniform(0, 1), 1.0 + noise.uniform(0, 0.1)))


def test_too_few_trials(tmp_path, engine):
    engine.open()
    add_trials(tmp_path, 3)
    report = engine.importance(Weights())
    assert report.trials == 3 and report.note == f"needs at least {MIN_TRIALS} complete trials (has 3)"


def test_importance_from_storage_is_plain_data(tmp_path, engine):
    engine.open()
    add_trials(tmp_path, 60)
    report = engine.importance(Weights())
    assert isinstance(report, ImportanceReport) and report.trials == 60
    tops = {o.objective: o.ranked[0][0] for o in report.objectives}
    assert tops["accuracy"] == "num_filters" and tops["size_kb"] == "dense_units"
    assert leaves_are_plain(dataclasses.asdict(report))  # nothing of Optuna's: it crosses to the UI


def leaves_are_plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and leaves_are_plain(v) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return all(leaves_are_plain(v) for v in value)
    return value is None or type(value) in (str, int, float)
