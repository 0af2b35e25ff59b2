"""Generate a large study in SQLite quickly, shaped like real ones, for the UI benchmarks.

The study itself is created the way the app creates one (`open_run`: definition, sampler, metric
names); one trial goes through Optuna (ask, suggest, tell) to get the space's real distributions.
The rest are written with bulk SQL inserts into Optuna's own tables in one transaction: Optuna's
`add_trials` commits per trial (about 50,000 x 25 rows here), which takes minutes.

Trials: ~90% complete, ~7% failed, ~3% pruned; user attributes as `pipeline/trial.py` records them
(timings, a layer summary, pre-flight estimates, float accuracy, arena, int8 report, sizes, ...).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any


def _attrs(rng: random.Random, state: str, acc: float, size_kb: float) -> dict[str, Any]:
    filters = rng.choice((8, 16, 32))
    attrs: dict[str, Any] = {
        "timings": {k: round(rng.uniform(0.05, 3.0), 3) for k in ("build", "preflight", "train", "evaluate",
                                                                  "convert", "measure")},
        "layers": [
            {"name": "conv2d", "type": "Conv2D", "output_shape": [None, 26, 26, filters], "params": 9 * filters + filters},
            {"name": "max_pooling2d", "type": "MaxPooling2D", "output_shape": [None, 13, 13, filters], "params": 0},
            {"name": "flatten", "type": "Flatten", "output_shape": [None, 169 * filters], "params": 0},
            {"name": "dense", "type": "Dense", "output_shape": [None, 64], "params": 169 * filters * 64 + 64},
            {"name": "dropout", "type": "Dropout", "output_shape": [None, 64], "params": 0},
            {"name": "dense_1", "type": "Dense", "output_shape": [None, 10], "params": 650},
        ],
        "est_weight_bytes": int(size_kb * 1000), "est_activation_bytes": 26 * 26 * filters,
        "macs": rng.randint(100_000, 5_000_000), "params": rng.randint(5_000, 400_000),
    }
    if state == "pruned":
        attrs.update(prune_stage="preflight", prune_reason="needs 300.0 KB of flash for its int8 weights; "
                                                           "the budget is 256 KB")
        return attrs
    attrs.update(final_loss=round(rng.uniform(0.05, 1.5), 4), epochs_run=1)
    if state == "failed":
        attrs.update(fail_stage="train", fail_reason="loss became NaN at epoch 1; the model is not converted")
        return attrs
    attrs.update(float_accuracy=round(min(1.0, acc + rng.uniform(-0.01, 0.02)), 4),
                 arena_bytes=rng.randint(2_000, 120_000), fully_int8=True, quantization="int8",
                 tflite_sparsity=round(rng.uniform(0, 0.05), 4), gzip_bytes=int(size_kb * 900),
                 tflite_bytes=int(size_kb * 1024), worker_rss_mb=round(rng.uniform(900, 1400), 1),
                 artifacts={"model.tflite": f"{rng.getrandbits(64):016x}-{rng.getrandbits(64):016x}"})
    return attrs


def generate(url: str, name: str, n_trials: int, seed: int = 0) -> dict[str, Any]:
    """Create study ``name`` in storage ``url`` with ``n_trials`` finished trials; return what was made."""
    import optuna
    from optuna.distributions import distribution_to_json
    from optuna.storages._rdb import models
    from optuna.trial import TrialState

    from tinynas_tui.run.options import RunOptions, validate
    from tinynas_tui.run.setup import open_run

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    run = open_run(validate(RunOptions(storage=url, study=name)))
    study, storage, space = run.study, run.storage, run.definition.space
    first = study.ask()
    space.suggest(first)
    dists = dict(first.distributions)
    first.set_user_attr("fail_stage", "train")
    first.set_user_attr("fail_reason", "loss became NaN at epoch 1; the model is not converted")
    study.tell(first, state=TrialState.FAIL)
    dist_json = {k: distribution_to_json(d) for k, d in dists.items()}
    rng = random.Random(seed)
    trials, values, params, attrs = [], [], [], []
    study_id = study._study_id
    with storage.engine.connect() as conn:
        next_id = conn.execute(models.TrialModel.__table__.select().with_only_columns(
            models.TrialModel.trial_id).order_by(models.TrialModel.trial_id.desc()).limit(1)).scalar() + 1
    start = dt.datetime(2025, 1, 1)
    counts = {"complete": 0, "failed": 1, "pruned": 0}
    for number in range(1, n_trials):
        tid = next_id + number - 1
        roll = rng.random()
        state = "complete" if roll < 0.90 else "failed" if roll < 0.97 else "pruned"
        counts[state] += 1
        acc = round(rng.betavariate(8, 2), 4)
        size_kb = round(rng.uniform(8, 600), 2)
        latency = round(rng.uniform(0.01, 4.0), 4)
        began = start + dt.timedelta(seconds=4 * number)
        trials.append({"trial_id": tid, "number": number, "study_id": study_id,
                       "state": {"complete": "COMPLETE", "failed": "FAIL", "pruned": "PRUNED"}[state],
                       "datetime_start": began, "datetime_complete": began + dt.timedelta(seconds=3.7)})
        for key, dist in dists.items():
            external = dist.choices[rng.randrange(len(dist.choices))] if hasattr(dist, "choices") else \
                round(rng.uniform(dist.low, dist.high), 6)
            params.append({"trial_id": tid, "param_name": key, "param_value": dist.to_internal_repr(external),
                           "distribution_json": dist_json[key]})
        if state == "complete":
            values.extend({"trial_id": tid, "objective": i, "value": v, "value_type": "FINITE"}
                          for i, v in enumerate((acc, size_kb, latency)))
        attrs.extend({"trial_id": tid, "key": k, "value_json": json.dumps(v)}
                     for k, v in _attrs(rng, state, acc, size_kb).items())
    with storage.engine.begin() as conn:
        conn.execute(models.TrialModel.__table__.insert(), trials)
        conn.execute(models.TrialParamModel.__table__.insert(), params)
        conn.execute(models.TrialValueModel.__table__.insert(), values)
        conn.execute(models.TrialUserAttributeModel.__table__.insert(), attrs)
    return {"trials": n_trials, **counts, "rows": len(trials) + len(params) + len(values) + len(attrs)}
