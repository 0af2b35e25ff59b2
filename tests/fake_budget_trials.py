"""`fake_trials` with the real pipeline's pre-flight skip: a trial whose ``x`` (its size in KB) is over the
worker's flash budget ends PRUNED at ``preflight`` before "training", as `pipeline.trial._build` does."""

from __future__ import annotations

import fake_trials

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.executor.protocol import PruneTrial


def prepare(config):
    return {**fake_trials.prepare(config), "budgets": Budgets.from_dict(config.budgets)}


def run_trial(request, state, emit):
    size_kb = float(request.params.get("x", 1.0))
    why = state["budgets"].preflight(int(size_kb * 1024), 0)
    if why:
        raise PruneTrial("preflight", why, {"est_weight_bytes": int(size_kb * 1024)})
    return fake_trials.run_trial(request, state, emit)
