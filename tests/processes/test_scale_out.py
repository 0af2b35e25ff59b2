"""Several processes on one study: `tinynas-tui worker` on PostgreSQL (as across machines) and on SQLite.

Real worker processes, each with its own trial worker and TensorFlow, on tiny data. Nothing may be lost:
every trial a process reports is in the storage with the same figures, numbers are unique, and the
Pareto front the UI shows equals the one recomputed from all trials.
"""

from __future__ import annotations

import re

import optuna
import pytest
from pareto import brute_force_front
from cli_processes import start_cli

from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.run.setup import open_run
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.run.engine import OptunaEngine

pytestmark = pytest.mark.tf

LINE = re.compile(r"^Trial +(\d+): acc=(\d\.\d{4}), size= *(\d+\.\d)KB, latency= *(\d+\.\d{2})ms$", re.M)


def run_workers(tmp_path, storage, study, processes, trials_each):
    """Create the study once (as on the first machine), start the workers, and poll as the UI does."""
    import subprocess

    run = open_run(validate(RunOptions(storage=storage, study=study, train_samples=300, test_samples=100)))
    run.storage.remove_session()
    engine = OptunaEngine(validate(RunOptions(storage=storage, study=study)))
    _, records = engine.open()
    book = TrialBook()
    book.merge(records)
    seen_running = set()
    workers = []
    for i in range(processes):
        folder = tmp_path / f"machine-{i}"
        folder.mkdir()
        workers.append(start_cli(folder, "worker", "--storage", storage, "--study", study, "--trials",
                                 str(trials_each), "--threads", "1"))
    outputs = []
    try:
        for w in workers:
            while True:
                polled = engine.poll()
                book.merge(polled)
                seen_running |= {r.number for r in polled if r.state == "running"}
                try:
                    outputs.append(w.communicate(timeout=1.0))
                    break
                except subprocess.TimeoutExpired:
                    continue
        book.merge(engine.poll())
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
        engine.close()
    return workers, outputs, book, seen_running


def check_nothing_lost(storage, study_name, workers, outputs, book, expected):
    for w, (out, err) in zip(workers, outputs):
        assert w.returncode == 0, err
        assert "Traceback" not in err
    reported = {}
    for out, _ in outputs:
        for m in LINE.finditer(out):
            number = int(m.group(1))
            assert number not in reported, f"trial {number} reported by two processes"
            reported[number] = tuple(float(g) for g in m.groups()[1:])
    study = optuna.load_study(study_name=study_name, storage=storage)
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == list(range(expected))  # unique numbers, none missing
    assert all(t.state.name in ("COMPLETE", "FAIL", "PRUNED") for t in trials)  # nothing left running
    complete = {t.number: t for t in trials if t.state.name == "COMPLETE"}
    assert set(reported) == set(complete)
    for number, (acc, size_kb, latency_ms) in reported.items():
        values = complete[number].values
        assert (round(values[0], 4), round(values[1], 1), round(values[2], 2)) == (acc, size_kb, latency_ms)
    assert len({t.user_attrs["worker_host"] for t in trials}) == len(workers)  # every process ran trials
    # What the UI holds after polling equals the storage, trial by trial.
    assert {r.number: r.state for r in book.ordered()} == {
        t.number: {"COMPLETE": "complete", "FAIL": "failed", "PRUNED": "pruned"}[t.state.name] for t in trials}
    # The front the UI shows, the one Optuna computes, and one recomputed here by brute force agree.
    front = brute_force_front(trials)
    assert front, "no complete trial"
    assert sorted(t.number for t in study.best_trials) == front
    assert sorted(book.front()) == front


def test_three_workers_on_postgresql_lose_nothing(tmp_path, postgres_url):
    workers, outputs, book, seen_running = run_workers(tmp_path, postgres_url, "scale", 3, 4)
    check_nothing_lost(postgres_url, "scale", workers, outputs, book, 12)
    assert seen_running  # the UI saw other processes' trials while they ran


def test_two_processes_on_the_default_sqlite_storage_lose_nothing(tmp_path):
    storage = f"sqlite:///{tmp_path}/shared.db"
    workers, outputs, book, seen_running = run_workers(tmp_path, storage, "scale", 2, 4)
    check_nothing_lost(storage, "scale", workers, outputs, book, 8)
    assert seen_running
