"""The real trial pipeline with faults injected into chosen trials, for tests of whole runs.

Selected with ``TINYNAS_TRIAL_ENTRY=faulty_trials`` (and this folder on ``PYTHONPATH``); the faults
come from ``TINYNAS_TEST_FAULTS`` (see `fault_injection`). ``nan`` poisons the built model's output
layer, so training meets a real NaN loss.
"""

from __future__ import annotations

import os

from fault_injection import FAULTS_ENV, inject, parse_faults

from tinynas_tui.pipeline import models
from tinynas_tui.pipeline import trial as real


def prepare(config):
    return real.prepare(config)


def run_trial(request, state, emit):
    fault = parse_faults(os.environ.get(FAULTS_ENV, "")).get(request.number)
    if fault != "nan":
        inject(fault, request.number)
        return real.run_trial(request, state, emit)
    print(f"test hook: injecting nan into trial {request.number}", flush=True)
    build = models.build_model

    def poisoned(*args, **kwargs):
        import numpy as np

        model = build(*args, **kwargs)
        head = model.layers[-1]
        head.set_weights([np.full_like(w, np.nan) for w in head.get_weights()])
        return model

    models.build_model = poisoned
    try:
        return real.run_trial(request, state, emit)
    finally:
        models.build_model = build
