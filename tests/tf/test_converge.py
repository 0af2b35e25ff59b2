"""The converge levers: the held-out split, augmentation in the input pipeline only, early stopping, and the
blocks builder's microcontroller options, against real TensorFlow on tiny real data."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tinynas_tui.core import figures
from tinynas_tui.core.events import StageStarted
from tinynas_tui.core.pipeline_config import PRESETS, PipelineConfig
from tinynas_tui.executor.protocol import TrialRequest, WorkerConfig
from tinynas_tui.pipeline.fitting import validation_split

TINY_CONVERGE = PRESETS["converge"].with_overrides(epochs=3, patience=1, reduce_lr_patience=1, latency_runs=5,
                                                   representative_samples=50)
MCU_PARAMS = {"n_blocks": 2, "layers_per_block": 1, "init_filters": 8, "stem_stride": 2, "n_dense": 0,
              "dense_units": 32, "separable": False, "separable_stem": False, "batch_norm": True, "lr": 3e-3}
BOARD = {"board": "m4-1m", "core": "cortex-m4", "clock_mhz": 64.0}


# --- the held-out split (NumPy only) ----------------------------------------------------------------


def test_the_validation_split_is_stratified_disjoint_and_seeded():
    y = np.repeat(np.arange(10), [50, 50, 50, 50, 50, 50, 50, 50, 50, 7])
    train, val = validation_split(y, 0.1)
    assert not np.intersect1d(train, val).size
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(len(y)))
    counts = np.bincount(y[val], minlength=10)
    assert list(counts[:9]) == [5] * 9 and counts[9] == 1  # round(0.7) of the small class
    again = validation_split(y, 0.1)
    assert all(np.array_equal(a, b) for a, b in zip((train, val), again))
    other = validation_split(y, 0.1, seed=1)[1]
    assert not np.array_equal(val, other)


def test_the_validation_split_keeps_every_class_trained_on_and_reads_one_hot_labels():
    y = np.array([0, 0, 1, 1, 2])  # class 2 has one sample: only trained on
    train, val = validation_split(y, 0.9)
    assert sorted(y[val]) == [0, 1] and sorted(y[train]) == [0, 1, 2]
    one_hot = np.eye(3)[y]
    assert np.array_equal(validation_split(one_hot, 0.9)[1], val)


def test_a_split_with_nothing_to_hold_out_is_refused():
    with pytest.raises(ValueError, match="leaves no validation sample"):
        validation_split(np.array([0, 1, 2]), 0.5)


# --- augmentation --------------------------------------------------------------------------------------


@pytest.mark.tf
def test_random_affine_with_no_range_is_the_identity_and_a_shift_stays_within_its_pixels():
    import tensorflow as tf

    from tinynas_tui.pipeline.fitting import random_affine

    rng = np.random.default_rng(0)
    images = rng.random((4, 28, 28, 1), dtype=np.float32)
    same = random_affine(tf.constant(images), tf.constant([1, 2], tf.int64), 0.0, 0.0, 0.0).numpy()
    np.testing.assert_allclose(same, images, atol=1e-6)

    dot = np.zeros((64, 28, 28, 1), np.float32)
    dot[:, 10:18, 10:18] = 1.0  # a square in the middle: its centroid is (13.5, 13.5)
    moved = random_affine(tf.constant(dot), tf.constant([3, 4], tf.int64), 3.0, 0.0, 0.0).numpy()[..., 0]
    rows, cols = np.indices((28, 28))
    mass = moved.sum(axis=(1, 2))
    dy = (moved * rows).sum(axis=(1, 2)) / mass - 13.5
    dx = (moved * cols).sum(axis=(1, 2)) / mass - 13.5
    assert np.all(np.abs(dx) <= 3.0 + 1e-3) and np.all(np.abs(dy) <= 3.0 + 1e-3)
    assert dx.min() < -1 and dx.max() > 1 and dy.min() < -1 and dy.max() > 1  # both ways, on both axes


@pytest.mark.tf
def test_augmented_batches_are_redrawn_each_epoch_and_keep_their_labels():
    from tinynas_tui.pipeline.fitting import augmented_batches

    x = np.zeros((6, 28, 28, 1), np.float32)
    for i in range(6):
        x[i, 8:20, 8:20] = (i + 1) / 6  # each image's brightness names its label
    y = np.arange(6)
    data = augmented_batches(x, y, 4, PRESETS["converge"], seed=5)
    first, second = ([(b[0].numpy(), b[1].numpy()) for b in data] for _ in range(2))
    assert [len(labels) for _, labels in first] == [4, 2]
    for images, labels in first + second:
        brightest = images.reshape(len(images), -1).max(axis=1)
        np.testing.assert_allclose(brightest, (labels + 1) / 6, atol=1e-5)
    assert not np.allclose(np.concatenate([i for i, _ in first]), np.concatenate([i for i, _ in second]))


# --- the blocks builder -------------------------------------------------------------------------------


def _layers(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.tf
def test_blocks_without_the_new_options_build_the_models_they_always_did():
    from tinynas_tui.pipeline.models import build_model

    old = {"n_blocks": 2, "layers_per_block": 1, "init_filters": 16, "n_dense": 1, "dense_units": 64}
    model = build_model("blocks", old, (28, 28, 1), 10)
    assert _layers(model) == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "GlobalAveragePooling2D",
                              "Dense", "Dense"]
    # 3x3x1x16+16, 3x3x16x32+32, 32x64+64, 64x10+10
    assert model.count_params() == 160 + 4640 + 2112 + 650
    assert all(layer.strides == (1, 1) for layer in model.layers if hasattr(layer, "strides") and
               type(layer).__name__ == "Conv2D")
    separable = build_model("blocks", {**old, "separable": True}, (28, 28, 1), 10)
    assert _layers(separable)[0] == _layers(separable)[2] == "SeparableConv2D"  # the stem too, as before


@pytest.mark.tf
def test_a_strided_plain_stem_separable_blocks_and_dropout():
    from tinynas_tui.pipeline.models import build_model

    params = {**MCU_PARAMS, "separable": True, "dropout": 0.2, "batch_norm": False}
    model = build_model("blocks", params, (28, 28, 1), 10)
    assert _layers(model) == ["Conv2D", "MaxPooling2D", "SeparableConv2D", "MaxPooling2D",
                              "GlobalAveragePooling2D", "Dropout", "Dense"]
    assert model.layers[0].strides == (2, 2) and model.layers[0].output_shape == (None, 14, 14, 8)
    assert model.layers[2].output_shape == (None, 7, 7, 16)
    odd = build_model("blocks", {**MCU_PARAMS, "n_blocks": 3}, (5, 5, 1), 10)  # "same" rounds up: 5 -> 3 -> 1
    assert odd.layers[0].output_shape == (None, 3, 3, 8)


@pytest.mark.tf
def test_the_mcu_space_spans_small_to_over_budget_models_and_a_strided_stem_fits_16_kib():
    from tinynas_tui.core.space import MCU
    from tinynas_tui.pipeline.models import build_model
    from tinynas_tui.pipeline.preflight import estimate

    choices = {p.name: p.choices for p in MCU.params if hasattr(p, "choices")}
    smallest = {name: min(values) for name, values in choices.items()}
    largest = {name: max(values) for name, values in choices.items()}
    largest.update(separable=False, stem_stride=1)  # plain convs at full resolution: the most of both
    strided = {**largest, "stem_stride": 2}

    def kib(params):
        e = estimate(build_model("blocks", {**params, "lr": 1e-3}, (28, 28, 1), 10))
        return e[figures.EST_WEIGHT_BYTES] / 1024, e[figures.EST_ACTIVATION_BYTES] / 1024

    assert kib(smallest)[0] < 5 and kib(smallest)[1] < 16
    assert 40 < kib(largest)[0] < 100 and kib(largest)[1] > 16  # the budgets bind inside the space
    assert kib(strided)[1] < 16  # the widest strided model's activations fit a 16 KiB arena


# --- the trial: augmentation out of the model, early stopping on training data only --------------------


def _config(tmp_path, pipeline: PipelineConfig) -> WorkerConfig:
    return WorkerConfig(dataset={"name": "mnist-5k", "train_samples": 600, "test_samples": 200, "seed": 0},
                        pipeline=pipeline.to_dict(), model="blocks", scratch_dir=str(tmp_path / "scratch"),
                        latency=BOARD)


def _run(tmp_path, pipeline, params=MCU_PARAMS, number=0, events=None):
    from tinynas_tui.pipeline.trial import prepare, run_trial

    state = prepare(_config(tmp_path, pipeline))
    result = run_trial(TrialRequest(number, params), state, (events if events is not None else []).append)
    return state, result


def _ops(path):
    from tinynas_tui.latency.estimate import read_int8_ops

    with open(path, "rb") as fh:
        return [(op.kind, op.input_shape, op.output_shape) for op in read_int8_ops(fh.read()).ops]


@pytest.mark.tf
def test_augmentation_leaves_the_converted_model_its_size_and_latency_unchanged(tmp_path):
    plain = TINY_CONVERGE.with_overrides(augment=False, early_stopping=False, epochs=1)
    augmented = plain.with_overrides(augment=True)
    _, without = _run(tmp_path, plain)
    _, with_aug = _run(tmp_path, augmented)
    assert with_aug.metrics[figures.LAYERS] == without.metrics[figures.LAYERS]
    assert _ops(with_aug.artifacts["model.tflite"]) == _ops(without.artifacts["model.tflite"])
    kinds = {kind for kind, _, _ in _ops(with_aug.artifacts["model.tflite"])}
    assert kinds <= {"CONV_2D", "MAX_POOL_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX"}, kinds
    assert with_aug.size_kb == without.size_kb
    assert with_aug.latency_ms == without.latency_ms
    assert with_aug.metrics[figures.ARENA_BYTES] == without.metrics[figures.ARENA_BYTES]
    assert with_aug.metrics[figures.FULLY_INT8] is True


def _row_hashes(x) -> set[str]:
    x = np.asarray(x)
    return {hashlib.sha1(row.tobytes()).hexdigest() for row in x.reshape(len(x), -1)}


@pytest.mark.tf
def test_early_stopping_watches_held_out_training_images_never_the_test_split(tmp_path, monkeypatch):
    import tf_keras as keras

    import tinynas_tui.pipeline.convert as convert

    fits, calibrations = [], []
    real_fit, real_convert = keras.Model.fit, convert.convert_to_tflite

    def spy_fit(self, *args, **kwargs):
        fits.append(kwargs)
        return real_fit(self, *args, **kwargs)

    def spy_convert(model, x, *args, **kwargs):
        calibrations.append(x)
        return real_convert(model, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy_fit)
    monkeypatch.setattr(convert, "convert_to_tflite", spy_convert)
    events = []
    state, result = _run(tmp_path, TINY_CONVERGE.with_overrides(augment=False), events=events)
    data = state.data
    (fit,) = fits
    test_rows = _row_hashes(data.x_test)
    x_val, y_val = fit["validation_data"]
    assert not _row_hashes(x_val) & test_rows and not _row_hashes(fit["x"]) & test_rows
    assert not _row_hashes(x_val) & _row_hashes(fit["x"])  # held out: not trained on
    assert _row_hashes(x_val) | _row_hashes(fit["x"]) == _row_hashes(data.x_train)
    assert len(x_val) == result.metrics[figures.VALIDATION_SAMPLES] == 60 and len(y_val) == 60
    assert calibrations == [data.x_train] and calibrations[0] is data.x_train  # calibrated on unaugmented images
    m = result.metrics
    assert 1 <= m[figures.BEST_EPOCH] <= m[figures.EPOCHS_RUN] <= TINY_CONVERGE.epochs
    if m[figures.EPOCHS_RUN] < TINY_CONVERGE.epochs:  # stopped early: patience epochs after the best
        assert m[figures.EPOCHS_RUN] - m[figures.BEST_EPOCH] == TINY_CONVERGE.patience
    assert 0.0 <= m[figures.VALIDATION_ACCURACY] <= 1.0
    assert [e.stage for e in events if isinstance(e, StageStarted)] == list(TINY_CONVERGE.stages)


@pytest.mark.tf
def test_early_stopping_keeps_the_best_epochs_weights(tmp_path):
    import tf_keras as keras

    from tinynas_tui.pipeline.fitting import fit_plan
    from tinynas_tui.pipeline.models import build_model

    state, _ = _run(tmp_path, TINY_CONVERGE.with_overrides(epochs=1, early_stopping=False, augment=False))
    data = state.data
    cfg = TINY_CONVERGE.with_overrides(epochs=6, patience=2, reduce_lr=False, augment=False)
    keras.utils.set_random_seed(0)
    model = build_model("blocks", {**MCU_PARAMS, "lr": 0.05}, data.input_shape, data.num_classes)  # a noisy fit
    plan = fit_plan(cfg, data.x_train, data.y_train, 32, seed=0)
    history = model.fit(**plan.inputs, epochs=cfg.epochs, validation_data=plan.validation, verbose=0,
                        callbacks=plan.callbacks)
    best = int(np.argmin(history.history["val_loss"]))
    x_val, y_val = plan.validation
    loss = model.evaluate(x_val, y_val, verbose=0)[0]
    assert loss == pytest.approx(history.history["val_loss"][best], rel=1e-4)
    assert plan.early_stopping.best_epoch == best


@pytest.mark.tf
def test_distillation_trains_on_augmented_batches_with_early_stopping(tmp_path):
    cfg = TINY_CONVERGE.with_overrides(distill=True, teacher_epochs=1, distill_epochs=2)
    events = []
    _, result = _run(tmp_path, cfg, events=events)
    m = result.metrics
    assert [e.stage for e in events if isinstance(e, StageStarted)] == list(cfg.stages)
    assert 1 <= m[figures.BEST_EPOCH] <= m[figures.EPOCHS_RUN] <= 2
    assert m[figures.VALIDATION_SAMPLES] == 60 and m[figures.FULLY_INT8] is True
