"""The headless run's text: the seed's per-trial line and its closing block."""

from __future__ import annotations

import optuna

from tinynas_tui.run.headless import best_block, trial_line
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights

optuna.logging.set_verbosity(optuna.logging.ERROR)


def test_trial_line_is_the_seed_format():
    assert trial_line(0, 0.924, 15.2, 2.45) == "Trial  0: acc=0.9240, size=  15.2KB, latency= 2.45ms"
    assert trial_line(12, 0.9, 128.04, 12.345) == "Trial 12: acc=0.9000, size= 128.0KB, latency=12.35ms"


def make_study():
    study = optuna.create_study(directions=["maximize", "minimize", "minimize"])
    for acc, size, lat, lr in ((0.935, 12.1, 1.98, 0.001), (0.97, 300.0, 2.0, 0.0015), (0.5, 5.0, 1.0, 0.01)):
        study.enqueue_trial({"lr": lr})
        trial = study.ask()
        trial.suggest_categorical("num_filters", [16])
        trial.suggest_categorical("lr", [0.001, 0.0015, 0.01])
        study.tell(trial, (acc, size, lat))
    failed = study.ask()
    study.tell(failed, state=optuna.trial.TrialState.FAIL)
    return study


def test_best_block_ranks_by_score_with_the_seed_layout():
    text = best_block(make_study(), ("num_filters", "lr"), Weights(), top=5)
    lines = text.splitlines()
    assert lines[:4] == ["=" * 60, "BEST TRIALS (sorted by weighted score)", "=" * 60, ""]
    # 0.97*100 - 300*0.01 - 0.2 = 93.8 beats 93.5 - 0.121 - 0.198 = 93.181
    assert lines[4] == "#1: acc=0.9700, size=300.0KB, latency=2.00ms"
    assert lines[5] == "Trial: 1, score: 93.80"
    assert lines[6:9] == ["Parameters:", "  num_filters: 16", "  lr: 0.0015"]
    assert "#2: acc=0.9350, size=12.1KB, latency=1.98ms" in lines
    assert sum(line.startswith("#") for line in lines) == 3  # the failed trial is not ranked


def test_best_block_puts_trials_within_budget_first():
    text = best_block(make_study(), ("num_filters", "lr"), Weights(), top=5, budgets=Budgets(max_flash_kb=100))
    lines = text.splitlines()
    assert lines[4] == "#1: acc=0.9350, size=12.1KB, latency=1.98ms"
    assert "Trial: 1, score: 93.80  (over budget)" in lines
