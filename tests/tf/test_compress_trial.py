"""The compress pipeline's trial on tiny real data, run in-process: every stage, in order, measured."""

from __future__ import annotations

import pytest

from tinynas_tui.executor.protocol import PruneTrial, TrialRequest, WorkerConfig
from tinynas_tui.core.pipeline_config import PRESETS
from tinynas_tui.core.events import StageStarted, TrialFinished

pytestmark = pytest.mark.tf

TINY_COMPRESS = PRESETS["compress"].with_overrides(
    quick_eval_epochs=2, quick_eval_threshold=0.0, teacher_epochs=1, distill_epochs=2, prune_epochs=1,
    qat_epochs=1, latency_runs=20, representative_samples=50, keep_keras=True,
)
BLOCKS_PARAMS = {"n_blocks": 2, "layers_per_block": 1, "init_filters": 16, "n_dense": 1, "dense_units": 64,
                 "lr": 0.005}


def config(tmp_path, pipeline=TINY_COMPRESS, budgets=None, model="blocks"):
    return WorkerConfig(
        dataset={"name": "mnist-5k", "train_samples": 600, "test_samples": 200, "seed": 0},
        pipeline=pipeline.to_dict(), model=model, scratch_dir=str(tmp_path / "scratch"),
        budgets=budgets or {},
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("xdg")


@pytest.fixture(autouse=True)
def _shared_cache(cache, monkeypatch):
    # One teacher cache for the module, so the second worker finds the first worker's teacher.
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))


def run(state, number, params, events=None):
    from tinynas_tui.pipeline.trial import run_trial

    return run_trial(TrialRequest(number, params), state, (events if events is not None else []).append)


def test_compress_trial_runs_every_stage_and_keeps_sparsity(tmp_path):
    from tinynas_tui.pipeline.trial import prepare

    state = prepare(config(tmp_path))
    events = []
    result = run(state, 0, BLOCKS_PARAMS, events)
    assert isinstance(result, TrialFinished)
    started = [e.stage for e in events if isinstance(e, StageStarted)]
    assert tuple(started) == TINY_COMPRESS.stages
    m = result.metrics
    assert m["teacher_cached"] is False and 0.0 <= m["teacher_accuracy"] <= 1.0
    assert 0.0 <= m["quick_eval_accuracy"] <= 1.0 and m["quick_eval_epochs_run"] >= 1
    assert m["keras_sparsity"] >= 0.75  # pruning reached its final 80% schedule
    assert m["tflite_sparsity"] >= 0.7  # and PQAT kept it through conversion
    assert m["gzip_bytes"] < 0.75 * m["tflite_bytes"]  # sparsity pays off compressed
    assert m["fully_int8"] is True
    assert abs(result.accuracy - m["float_accuracy"]) <= 0.05  # int8 conversion of the QAT model is faithful
    assert set(m["timings"]) == set(TINY_COMPRESS.stages)
    # keep_keras: the QAT model is kept as HDF5, and reloads to the same predictions under tfmot's scope.
    import numpy as np
    import tensorflow_model_optimization as tfmot
    import tf_keras as keras

    with tfmot.quantization.keras.quantize_scope():
        kept = keras.models.load_model(result.artifacts["model.h5"])
    x = state.data.x_test
    assert float(np.mean(np.argmax(kept.predict(x, verbose=0), axis=1) == state.data.y_test)) == pytest.approx(
        m["float_accuracy"], abs=1e-6)

    second = run(state, 1, BLOCKS_PARAMS)  # same worker: teacher from memory
    assert second.metrics["teacher_cached"] is False and second.metrics["timings"]["teacher"] < 1.0

    fresh = prepare(config(tmp_path))  # a new worker: the teacher comes from the user cache
    third = run(fresh, 2, BLOCKS_PARAMS)
    assert third.metrics["teacher_cached"] is True
    assert third.metrics["teacher_accuracy"] == pytest.approx(m["teacher_accuracy"])


def test_quick_filter_prunes_with_the_reason(tmp_path):
    from tinynas_tui.pipeline.trial import prepare

    strict = TINY_COMPRESS.with_overrides(quick_eval_threshold=1.0, quick_eval_epochs=1)
    state = prepare(config(tmp_path, strict))
    with pytest.raises(PruneTrial) as pruned:
        run(state, 0, BLOCKS_PARAMS)
    assert pruned.value.stage == "quick_eval"
    assert "below the threshold 1" in pruned.value.reason
    assert pruned.value.metrics["quick_eval_accuracy"] < 1.0


def test_budget_violation_skips_training(tmp_path, monkeypatch):
    import tf_keras as keras

    from tinynas_tui.pipeline.trial import prepare

    state = prepare(config(tmp_path, PRESETS["quick"], budgets={"max_flash_kb": 8.0}, model="single-conv"))
    calls = []
    monkeypatch.setattr(keras.Model, "fit", lambda self, *a, **k: calls.append(1))
    params = {"num_filters": 32, "kernel_size": 3, "dense_units": 128, "dropout": 0.1, "lr": 1e-3, "batch_size": 32}
    with pytest.raises(PruneTrial) as pruned:
        run(state, 0, params)
    assert pruned.value.stage == "preflight" and "flash" in pruned.value.reason
    assert calls == []  # no training time was spent on it
    assert pruned.value.metrics["est_weight_bytes"] > 8 * 1024


@pytest.mark.parametrize("extras, layer", [({"separable": True}, "SeparableConv2D"),
                                           ({"batch_norm": True}, "BatchNormalization")])
def test_blocks_extras_build_and_convert_fully_int8(tmp_path, extras, layer):
    from tinynas_tui.pipeline.trial import prepare

    state = prepare(config(tmp_path, PRESETS["quick"].with_overrides(latency_runs=5)))
    result = run(state, 0, {**BLOCKS_PARAMS, **extras})
    types = [row["type"] for row in result.metrics["layers"]]
    assert layer in types
    assert result.metrics["fully_int8"] is True
