"""The study switcher's list: every study of a storage with counts and bests, fast on a big storage."""

from __future__ import annotations

import sqlite3
import time

import optuna
import pytest

from tinynas_tui.core.hypervolume import ATTR, HypervolumeHistory, Reference, hypervolume, normalise, reference_for
from tinynas_tui.core.scoring import Weights
from tinynas_tui.search.study_list import _read_optuna, list_studies

optuna.logging.set_verbosity(optuna.logging.ERROR)


def big_storage(path, studies=50, trials=1000):
    """``studies`` studies of ``trials`` complete trials each, written straight to the tables (through
    Optuna, 50,000 trials take minutes); trial ``i`` of study ``s`` has accuracy ``i / trials``."""
    url = f"sqlite:///{path}"
    storage = optuna.storages.RDBStorage(url)
    ids = []
    for s in range(studies):
        study = optuna.create_study(storage=storage, study_name=f"study-{s:02d}",
                                    directions=["maximize", "minimize", "minimize"])
        study.set_user_attr("space", {"name": "single-conv"})
        study.set_user_attr("dataset", {"name": "mnist"})
        ids.append(study._study_id)
    con = sqlite3.connect(path)
    with con:
        trial_id = 0
        for study_id in ids:
            rows, values = [], []
            for i in range(trials):
                trial_id += 1
                rows.append((trial_id, i, study_id, "COMPLETE"))
                values += [(trial_id, 0, i / trials, "FINITE"), (trial_id, 1, 10.0 + i, "FINITE"),
                           (trial_id, 2, 1.0, "FINITE")]
            con.executemany("INSERT INTO trials (trial_id, number, study_id, state) VALUES (?, ?, ?, ?)", rows)
            con.executemany("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)",
                            values)
    con.close()
    return storage


def test_fifty_studies_of_a_thousand_trials_list_in_well_under_a_second(tmp_path):
    storage = big_storage(tmp_path / "big.db")
    list_studies(storage, Weights())  # the first query warms SQLAlchemy's compiled-statement cache
    started = time.perf_counter()
    summaries = list_studies(storage, Weights(100, 0.01, 0.1))
    seconds = time.perf_counter() - started
    assert seconds < 1.0, f"{seconds:.2f} s"  # ~0.2 s on a busy 2-core machine; Optuna's own read: ~30 s
    assert len(summaries) == 50 and summaries[0].name == "study-00"
    first = summaries[0]
    assert (first.complete, first.total, first.running) == (1000, 1000, 0)
    assert first.best_accuracy == pytest.approx(0.999)
    assert first.best_score == pytest.approx(max(100 * i / 1000 - 0.01 * (10 + i) - 0.1 for i in range(1000)))
    assert (first.space, first.dataset) == ("single-conv", "mnist")
    # Each trial i at (i / 1000, 10 + i KiB, 1 ms) against the stated 1024 KiB, 1000 ms: all on the front.
    assert first.hypervolume == pytest.approx(hypervolume(
        [(i / 1000, 1 - (10 + i) / 1024, 1 - 1 / 1000) for i in range(1, 1000)]), rel=1e-9)


def test_the_optuna_fallback_gives_the_same_lines(tmp_path):
    storage = big_storage(tmp_path / "small.db", studies=3, trials=20)
    assert _read_optuna(storage, Weights()) == list_studies(storage, Weights())


def test_a_study_not_made_by_this_program_is_listed_with_question_marks(tmp_path):
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path}/other.db")
    study = optuna.create_study(storage=storage, study_name="foreign")
    study.set_user_attr("space", "not a dict")
    study.tell(study.ask(), 1.0)  # one objective: no accuracy, size and latency to join
    (summary,) = list_studies(storage, Weights())
    assert (summary.name, summary.complete, summary.total) == ("foreign", 1, 1)
    assert (summary.space, summary.dataset, summary.best_accuracy) == ("?", "?", None)


def _told(storage, name, values, attrs):
    """A study made as Optuna makes one: ``attrs`` set, then each of ``values`` told as a complete trial."""
    study = optuna.create_study(storage=storage, study_name=name, directions=["maximize", "minimize", "minimize"])
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    for v in values:
        study.tell(study.ask(), list(v))
    return study


def test_each_study_lists_its_hypervolume_from_its_own_reference(tmp_path):
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path}/hv.db")
    trials = [(0.9, 120.0, 40.0), (0.95, 300.0, 90.0), (0.8, 40.0, 10.0), (0.7, 500.0, 300.0), (0.85, 60.0, 20.0)]
    tight = Reference(256.0, 100.0, "budgets", "budgets")
    _told(storage, "tight", trials, {ATTR: tight.to_dict()})
    # An older study: no reference stored, its definition gives one (m4-1m's 1024 KiB, the stated latency).
    _told(storage, "older", trials, {"latency": {"board": "m4-1m"}, "budgets": {}})
    failed = _told(storage, "none-complete", [], {ATTR: tight.to_dict()})
    failed.tell(failed.ask(), state=optuna.trial.TrialState.FAIL)
    listed = {s.name: s for s in list_studies(storage, Weights())}
    history = HypervolumeHistory(tight)
    for v in trials:
        history.add(v)
    assert listed["tight"].hypervolume == pytest.approx(history.current, rel=1e-12)
    assert listed["tight"].hypervolume == pytest.approx(
        hypervolume([p for p in (normalise(v, tight) for v in trials) if p is not None]), rel=1e-12)
    older = reference_for({}, {"board": "m4-1m"})
    assert older.size_kb == 1024  # a different reference, so a different figure from the same trials
    assert listed["older"].hypervolume == pytest.approx(
        hypervolume([p for p in (normalise(v, older) for v in trials) if p is not None]), rel=1e-12)
    assert listed["older"].hypervolume != pytest.approx(listed["tight"].hypervolume)
    assert listed["none-complete"].hypervolume is None
    through_optuna = sorted(_read_optuna(storage, Weights()), key=lambda s: s.name)
    assert through_optuna == list_studies(storage, Weights())
