"""An export carries a confirmed trial's accuracy over its seeds, and says of an exported repeat whose it is:
in params.json, the report and the CSV."""

from __future__ import annotations

import csv
import json
import statistics

import pytest
from test_export import add_trials, export, make_study

from tinynas_tui.core.figures import REPEAT_OF

TWO = [("complete", 0.90, 3, 1.0, 20_480), ("complete", 0.95, 9, 2.0, 40_960)]
REPEATS = [("complete", 0.96, 9, 2.0, 40_960), ("complete", 0.93, 9, 2.0, 40_960)]


ACCURACIES = [0.95, 0.96, 0.93]  # trial 1, then its repeats 2 and 3


def export_trial_and_repeat(tmp_path, monkeypatch, capsys) -> None:
    """A study of trials 0 and 1 and two seed repeats of 1 (2 and 3); export 1 and 2 to ``out``."""
    study, store, _ = make_study(tmp_path, specs=TWO)
    for _ in REPEATS:
        study.enqueue_trial(study.trials[1].params, user_attrs={REPEAT_OF: 1})
    add_trials(study, store, tmp_path, REPEATS)  # trials 2 and 3 run the queued repeats of trial 1
    assert [t.params for t in study.trials[2:]] == [study.trials[1].params] * 2
    monkeypatch.chdir(tmp_path)
    code, _, err = export(capsys, "--trial", "1", "--trial", "2", "--out", "out")
    assert code == 0, err


def test_params_json_and_the_report_carry_the_spread_and_the_repeats_original(tmp_path, monkeypatch, capsys):
    export_trial_and_repeat(tmp_path, monkeypatch, capsys)
    accuracies = ACCURACIES
    info = json.loads((tmp_path / "out" / "demo-trial-1-params.json").read_text())
    seeds = info["accuracy_over_seeds"]
    assert seeds["runs"] == 3 and seeds["trials"] == [1, 2, 3] and info["seed_repeat_of"] is None
    assert seeds["mean"] == pytest.approx(statistics.fmean(accuracies))
    assert seeds["std"] == pytest.approx(statistics.stdev(accuracies))
    assert (seeds["min"], seeds["max"]) == (0.93, 0.96)
    repeat = json.loads((tmp_path / "out" / "demo-trial-2-params.json").read_text())
    assert repeat["seed_repeat_of"] == 1 and repeat["accuracy_over_seeds"] is None
    # Never ranked, yet its own figures fit the study's flash budget.
    assert repeat["rank"] is None and repeat["on_pareto"] is False and repeat["within_budgets"] is True

    report = (tmp_path / "out" / "demo-report.md").read_text().splitlines()
    line = (f"- trial 1: accuracy over 3 seeds: {statistics.fmean(accuracies):.4f} ± "
            f"{statistics.stdev(accuracies):.4f} (0.9300–0.9600; trials 1, 2, 3)")
    assert line in report and "- trial 2: seed repeat of #1" in report


def test_the_csv_carries_the_spread_and_the_repeats_original(tmp_path, monkeypatch, capsys):
    export_trial_and_repeat(tmp_path, monkeypatch, capsys)
    with open(tmp_path / "out" / "demo-trials.csv", newline="") as f:
        rows = {row["number"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"1", "2"}
    confirmed, repeat = rows["1"], rows["2"]
    assert confirmed["repeat_of"] == "" and confirmed["accuracy_runs"] == "3"
    assert float(confirmed["accuracy_mean"]) == pytest.approx(statistics.fmean(ACCURACIES), rel=1e-6)
    assert float(confirmed["accuracy_std"]) == pytest.approx(statistics.stdev(ACCURACIES), rel=1e-6)
    assert (float(confirmed["accuracy_min"]), float(confirmed["accuracy_max"])) == (0.93, 0.96)
    assert repeat["repeat_of"] == "1" and repeat["rank"] == "" and repeat["on_pareto"] == "false"
    assert all(repeat[c] == "" for c in ("accuracy_mean", "accuracy_std", "accuracy_min", "accuracy_max",
                                         "accuracy_runs"))
