"""``--confirm``: the real CLI runs the front's best trials again with other seeds (`fake_trials`, whose
accuracy moves with the trial number as a real one's with its seed), in a grid study and a worker resume."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import Counter

import pytest
from cli_processes import TESTS_DIR, load_study, run_cli
from space_files import space_text

from tinynas_tui.core.figures import ACCURACY_MEAN, ACCURACY_RUNS, ACCURACY_STD, REPEAT_OF
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook

FAKE = {"TINYNAS_TRIAL_ENTRY": "fake_trials",
        "PYTHONPATH": os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH"))))}
ONE = 'type = "categorical"\nchoices = [{}]'
# Five models (x = 1..5: accuracy, size and latency all grow with x, so each is on the front).
SPACE = space_text(dropout=ONE.format(0.1), lr=ONE.format(0.001), x=ONE.format("1, 2, 3, 4, 5"),
                   seed_noise=ONE.format(0.01))


def front_by_score(trials) -> list[int]:
    ranking = TrialBook.of_frozen(trials).rank(Weights())
    return [n for n in ranking.order if n in ranking.front]


def repeats_of(trials) -> dict[int, list]:
    out: dict[int, list] = {}
    for t in trials:
        if REPEAT_OF in t.user_attrs:
            out.setdefault(t.user_attrs[REPEAT_OF], []).append(t)
    return out


def test_a_grid_run_confirms_the_top_of_the_front_once_the_grid_is_used_up_and_a_worker_adds_one(tmp_path):
    (tmp_path / "space.toml").write_text(SPACE)
    early = run_cli(tmp_path, "--space", "space.toml", "--sampler", "grid", "--trials", "2", "--confirm", "2",
                    env=FAKE)
    assert early.returncode == 0, early.stderr
    assert "Not confirming yet: 3 models of the grid still wait to run" in early.stdout
    assert not repeats_of(load_study(tmp_path).trials)  # queued behind the grid, they would not run next

    result = run_cli(tmp_path, "--space", "space.toml", "--trials", "10", "--confirm", "2", env=FAKE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    trials = load_study(tmp_path).trials
    repeats = repeats_of(trials)
    # The grid's run ended when it was used up (no sampled trial after it), then the repeats ran.
    assert len(trials) - sum(map(len, repeats.values())) == 5
    confirming = lines.index("Confirming the top 2 trials of the front with 2 more seeds each (4 trials)")
    assert lines[confirming - 1].startswith("Trial  4: ")
    assert [line.split(":")[0] for line in lines[confirming + 1:confirming + 5]] == [f"Trial  {n}" for n in range(5, 9)]
    top = front_by_score(trials)
    assert Counter({n: len(r) for n, r in repeats.items()}) == {n: 2 for n in top[:2]}
    for number, runs in repeats.items():
        assert all(r.params == trials[number].params and r.state.name == "COMPLETE" for r in runs)
        accuracies = [trials[number].values[0], *(r.values[0] for r in runs)]
        assert len(set(accuracies)) > 1  # each seed trained (here: scored) its own way
        line = (f"accuracy over 3 seeds: {statistics.fmean(accuracies):.4f} ± {statistics.stdev(accuracies):.4f} "
                f"({min(accuracies):.4f}–{max(accuracies):.4f}; trials {number}, {runs[0].number}, {runs[1].number})")
        at = lines.index(line)
        assert lines[at - 1].startswith(f"Trial: {number}, score: ")
        summary = trials[number].user_attrs  # on the trial itself, for optuna-dashboard
        assert summary[ACCURACY_RUNS] == 3 and summary[ACCURACY_MEAN] == pytest.approx(statistics.fmean(accuracies))
        assert summary[ACCURACY_STD] == pytest.approx(statistics.stdev(accuracies))
    assert front_by_score(trials) == top and not set(top) & {r.number for rs in repeats.values() for r in rs}

    # A resume (here a worker) repeats only the trial that has no repeats yet.
    worker = subprocess.run([sys.executable, "-m", "tinynas_tui", "worker", "--trials", "1", "--confirm", "3"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, **FAKE})
    assert worker.returncode == 0, worker.stderr
    assert (f"Confirming the top 3 trials of the front with 2 more seeds each (2 trials; trials {top[0]}, {top[1]} "
            "have their repeats already)") in worker.stdout.splitlines()
    again = repeats_of(load_study(tmp_path).trials)
    assert {n: len(r) for n, r in again.items()} == {n: 2 for n in top[:3]}
