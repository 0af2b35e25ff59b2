"""Teacher cache, distillation, pruning, (P)QAT and TFLite sparsity against real TensorFlow on tiny data.

Data: 600 train / 200 test real digits of the offline ``mnist-5k`` subset. The small GAP student learns
slowly on so little data, hence the 10-epoch, high-learning-rate distillation where accuracy matters.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from tinynas_tui.pipeline.convert import convert_to_tflite
from tinynas_tui.core.dataset_spec import DatasetSpec
from tinynas_tui.pipeline.datasets import load_dataset
from tinynas_tui.pipeline.measure import int8_report, tflite_accuracy
from tinynas_tui.pipeline.prune import pruning_frequency

pytestmark = pytest.mark.tf

NUM_CLASSES = 10


def _keras():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tf_keras as keras

    return keras


def _student(seed: int = 0):
    keras = _keras()
    layers = keras.layers
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            layers.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.GlobalAveragePooling2D(),
            layers.Dense(32, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def _compile(model, learning_rate: float = 1e-3):
    keras = _keras()
    model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy", ["accuracy"])
    return model


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    # Module scope runs before conftest's per-test XDG_CACHE_HOME, so point it at a tmp folder here.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
        return load_dataset(DatasetSpec("mnist-5k", train_samples=600, test_samples=200))


@pytest.fixture(scope="module")
def small_teacher(data):
    """A quick softmax teacher (Flatten head, ~0.85 test accuracy): distillation works with any teacher."""
    keras = _keras()
    layers = keras.layers
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            layers.Input((28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    _compile(model, 3e-3).fit(data.x_train, data.y_train, epochs=3, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def trained_student(data):
    model = _compile(_student(2), 1e-2)
    model.fit(data.x_train, data.y_train, epochs=8, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def pruned(data, trained_student):
    from tinynas_tui.pipeline.prune import prune_and_finetune

    return prune_and_finetune(trained_student, data.x_train, data.y_train, epochs=2, final_sparsity=0.8)


# --- teacher ---------------------------------------------------------------------------------------


def test_teacher_is_trained_once_then_loaded_with_identical_predictions(data, tmp_path, monkeypatch):
    keras = _keras()
    from tinynas_tui.pipeline import teacher as teacher_mod

    fits = []
    original_fit = keras.Model.fit

    def counting_fit(self, *args, **kwargs):
        fits.append(kwargs.get("epochs"))
        return original_fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", counting_fit)
    reported = []

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            reported.append(dict(logs or {}))

    first, loaded = teacher_mod.load_or_train_teacher(
        data, epochs=1, batch_size=32, cache_dir=tmp_path, callbacks=[Progress()]
    )
    assert loaded is False and fits == [1]
    assert len(reported) == 1 and "val_loss" in reported[0]  # seeded validation split is used
    key = teacher_mod.teacher_key(data.fingerprint(), 1, 32)
    assert [p.name for p in tmp_path.iterdir()] == [f"teacher-{key}.h5"]  # no temp file left behind

    def no_training(*args, **kwargs):
        raise AssertionError("a cached teacher must not be built or trained again")

    monkeypatch.setattr(keras.Model, "fit", no_training)
    monkeypatch.setattr(teacher_mod, "build_teacher", no_training)
    second, loaded = teacher_mod.load_or_train_teacher(data, epochs=1, batch_size=32, cache_dir=tmp_path)
    assert loaded is True
    assert [type(layer).__name__ for layer in second.layers] == [type(layer).__name__ for layer in first.layers]
    np.testing.assert_array_equal(
        second.predict(data.x_test, verbose=0), first.predict(data.x_test, verbose=0)
    )
    assert second.evaluate(data.x_test[:32], data.y_test[:32], verbose=0)  # compiled after loading


def test_teacher_key_is_stable_and_names_every_setting():
    from tinynas_tui.pipeline.teacher import teacher_key

    key = teacher_key("abc", 1, 32)
    assert key == teacher_key("abc", 1, 32) and len(key) == 16 and int(key, 16) >= 0
    assert len({key, teacher_key("abc", 2, 32), teacher_key("abc", 1, 64), teacher_key("abd", 1, 32)}) == 4


def test_teacher_architecture_matches_the_notebook():
    from tinynas_tui.pipeline.teacher import build_teacher

    model = build_teacher((32, 32, 1), 10)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == 6 and kinds.count("BatchNormalization") == 6
    filters = [layer.filters for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert filters == [32, 32, 64, 64, 128, 128]
    assert [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"] == [0.2, 0.3, 0.4, 0.5]
    assert [layer.units for layer in model.layers if type(layer).__name__ == "Dense"] == [512, 256, 128, 10]
    assert model.layers[-1].activation.__name__ == "softmax"
    assert model.loss == "sparse_categorical_crossentropy"


def test_corrupt_cached_teacher_is_deleted_and_retrained(data, tmp_path, monkeypatch):
    keras = _keras()
    from tinynas_tui.pipeline import teacher as teacher_mod

    def tiny_teacher(input_shape, num_classes):  # The real one is tested above; keep this fast.
        model = keras.Sequential(
            [keras.Input(input_shape), keras.layers.Flatten(), keras.layers.Dense(num_classes, activation="softmax")]
        )
        return _compile(model)

    monkeypatch.setattr(teacher_mod, "build_teacher", tiny_teacher)
    path = tmp_path / f"teacher-{teacher_mod.teacher_key(data.fingerprint(), 1, 64)}.h5"
    path.write_bytes(b"not an HDF5 file")
    model, loaded = teacher_mod.load_or_train_teacher(data, epochs=1, batch_size=64, cache_dir=tmp_path)
    assert loaded is False
    assert path.stat().st_size > 1000
    again, loaded = teacher_mod.load_or_train_teacher(data, epochs=1, batch_size=64, cache_dir=tmp_path)
    assert loaded is True
    np.testing.assert_array_equal(again.predict(data.x_test, verbose=0), model.predict(data.x_test, verbose=0))


# --- distillation ----------------------------------------------------------------------------------


def test_distill_trains_the_student_above_chance(data, small_teacher):
    from tinynas_tui.pipeline.distill import distill

    student = _student(0)
    history = distill(student, small_teacher, data.x_train, data.y_train, epochs=10, learning_rate=1e-2)
    logs = history.history
    assert {"loss", "student_loss", "distillation_loss", "accuracy"} <= set(logs)
    assert len(logs["loss"]) == 10 and np.isfinite(logs["loss"]).all()
    assert logs["distillation_loss"][-1] < logs["distillation_loss"][0]
    accuracy = float(np.mean(np.argmax(student.predict(data.x_test, verbose=0), axis=1) == data.y_test))
    assert accuracy > 0.2  # chance is 0.1


def _expected_losses(student_probs, teacher_probs, y, alpha, temperature):
    """The intended formula, written independently in NumPy (float64)."""
    p_s, p_t = student_probs.astype(np.float64), teacher_probs.astype(np.float64)
    ce = float(np.mean(-np.log(p_s[np.arange(len(y)), y])))

    def tempered(p):
        z = np.log(p + 1e-7) / temperature
        z -= z.max(axis=1, keepdims=True)
        return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)

    q_t, q_s = tempered(p_t), tempered(p_s)
    kl = float(np.mean(np.sum(q_t * (np.log(q_t) - np.log(q_s)), axis=1))) * temperature**2
    return alpha * ce + (1 - alpha) * kl, ce, kl


@pytest.mark.parametrize("alpha", [0.3, 1.0])
def test_distill_reports_the_formula_on_one_batch(data, small_teacher, alpha):
    from tinynas_tui.pipeline.distill import distill

    x, y = data.x_train[:64], data.y_train[:64]
    student = _student(3)
    before = [w.copy() for w in student.get_weights()]
    expected = _expected_losses(
        student.predict(x, verbose=0), small_teacher.predict(x, verbose=0), y, alpha, temperature=3.0
    )
    # One batch with a zero learning rate: the logged loss is the loss at the fixed initial weights.
    history = distill(
        student, small_teacher, x, y, alpha=alpha, temperature=3.0, epochs=1, batch_size=64, learning_rate=0.0
    )
    logs = {k: v[0] for k, v in history.history.items()}
    assert logs["loss"] == pytest.approx(expected[0], rel=1e-4)
    assert logs["student_loss"] == pytest.approx(expected[1], rel=1e-4)
    assert logs["distillation_loss"] == pytest.approx(expected[2], rel=1e-3, abs=1e-6)
    if alpha == 1.0:
        assert logs["loss"] == pytest.approx(logs["student_loss"], rel=1e-6)
    for w0, w1 in zip(before, student.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_distillation_term_vanishes_when_student_equals_teacher(data):
    keras = _keras()
    from tinynas_tui.pipeline.distill import distill

    x, y = data.x_train[:64], data.y_train[:64]
    student = _student(4)
    twin = keras.models.clone_model(student)
    twin.set_weights(student.get_weights())
    history = distill(student, twin, x, y, alpha=0.5, epochs=1, batch_size=64, learning_rate=0.0)
    assert history.history["distillation_loss"][0] == pytest.approx(0.0, abs=1e-5)
    assert history.history["loss"][0] == pytest.approx(0.5 * history.history["student_loss"][0], rel=1e-4)


def test_entropy_order_is_a_permutation_easiest_first(data, small_teacher):
    from tinynas_tui.pipeline.distill import entropy_order

    order = entropy_order(small_teacher, data.x_train, batch_size=128)
    assert sorted(order.tolist()) == list(range(len(data.x_train)))
    probs = small_teacher.predict(data.x_train, verbose=0).astype(np.float64)
    entropies = -np.sum(probs * np.log(probs + 1e-10), axis=1)
    assert np.all(np.diff(entropies[order]) >= -1e-9)
    assert entropies[order[0]] < entropies[order[-1]]


# --- pruning ---------------------------------------------------------------------------------------


def test_pruning_reaches_the_final_sparsity(data, trained_student, pruned):
    from tinynas_tui.pipeline.prune import weight_sparsity

    assert weight_sparsity(trained_student) < 0.05  # the input model is left dense
    assert weight_sparsity(pruned) >= 0.75
    assert not any("prune" in type(layer).__name__.lower() for layer in pruned.layers)  # stripped
    loss, _accuracy = pruned.evaluate(data.x_test, data.y_test, verbose=0)  # compiled
    assert math.isfinite(loss)


def test_pruning_frequency_always_lands_on_the_end_step():
    for end_step in (1, 7, 38, 97, 314, 1250, 10_000):
        frequency = pruning_frequency(end_step)
        assert 1 <= frequency <= 100 and end_step % frequency == 0


def test_weight_sparsity_counts_kernels_only_and_recurses():
    keras = _keras()
    from tinynas_tui.pipeline.prune import weight_sparsity

    layers = keras.layers
    inner = keras.Sequential([layers.Input((8, 8, 4)), layers.SeparableConv2D(4, 3), layers.DepthwiseConv2D(3)])
    model = keras.Sequential([layers.Input((8, 8, 4)), inner, layers.Flatten(), layers.Dense(3)])
    sep, dw, dense = inner.layers[0], inner.layers[1], model.layers[-1]
    sep.depthwise_kernel.assign(np.zeros(sep.depthwise_kernel.shape))  # 36 zeros
    dense.bias.assign(np.zeros(3))  # biases never count
    kernels = [sep.depthwise_kernel, sep.pointwise_kernel, dw.depthwise_kernel, dense.kernel]
    total = sum(int(np.prod(k.shape)) for k in kernels)
    assert weight_sparsity(model) == pytest.approx(36 / total)


# --- quantization-aware training -------------------------------------------------------------------


def test_pqat_keeps_sparsity_through_int8_conversion_and_plain_qat_loses_it(data, pruned):
    from tinynas_tui.pipeline.prune import weight_sparsity
    from tinynas_tui.pipeline.qat import quantization_aware_train
    from tinynas_tui.pipeline.sparsity import tflite_weight_sparsity

    ptq = convert_to_tflite(pruned, data.x_train, "int8", 100)
    assert tflite_weight_sparsity(ptq) >= 0.75  # plain int8 conversion keeps the zeros

    results = {}
    for preserve in (True, False):
        qat_model = quantization_aware_train(
            pruned, data.x_train, data.y_train, epochs=2, preserve_sparsity=preserve
        )
        tflite = convert_to_tflite(qat_model, data.x_train, "int8", 100)
        assert int8_report(tflite)["fully_int8"]
        # The int8 file does what the fake-quantized Keras model does (within a few test images).
        keras_accuracy = qat_model.evaluate(data.x_test, data.y_test, verbose=0)[1]
        assert tflite_accuracy(tflite, data.x_test, data.y_test) == pytest.approx(keras_accuracy, abs=0.05)
        results[preserve] = (weight_sparsity(qat_model), tflite_weight_sparsity(tflite))
    assert results[True][0] >= 0.75 and results[True][1] >= 0.7
    # Without preservation pruned weights regrow; int8 rounding sends the smallest back to 0, so the
    # converted model keeps more zeros than the Keras one, but clearly fewer than with PQAT.
    assert results[False][0] < 0.7
    assert results[False][1] < results[True][1] - 0.05


def test_qat_model_converts_like_the_from_keras_model_route(data, pruned):
    """The frozen-function conversion of a fake-quantized model equals ``from_keras_model``'s."""
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from tinynas_tui.pipeline.measure import quantize_input
    from tinynas_tui.pipeline.qat import quantization_aware_train

    qat_model = quantization_aware_train(pruned, data.x_train, data.y_train, epochs=1, preserve_sparsity=True)
    ours = convert_to_tflite(qat_model, data.x_train, "int8", 100)
    converter = tf.lite.TFLiteConverter.from_keras_model(qat_model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([data.x_train[i : i + 1]] for i in range(100))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    reference = converter.convert()

    outputs = []
    for model_bytes in (ours, reference):
        interpreter = Interpreter(model_content=model_bytes)
        index = interpreter.get_input_details()[0]["index"]
        interpreter.resize_tensor_input(index, list(data.x_test.shape))
        interpreter.allocate_tensors()
        interpreter.set_tensor(index, quantize_input(data.x_test, interpreter.get_input_details()[0]))
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy())
    np.testing.assert_array_equal(*outputs)


def test_unquantizable_layers_raise_quantization_error(data):
    keras = _keras()
    from tinynas_tui.pipeline.qat import QuantizationError, quantization_aware_train

    layers = keras.layers
    with_lambda = keras.Sequential(
        [layers.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Lambda(lambda t: t * 2.0, name="doubler"),
         layers.GlobalAveragePooling2D(), layers.Dense(NUM_CLASSES, activation="softmax")]
    )
    for preserve in (True, False):
        with pytest.raises(QuantizationError, match=r"'doubler'.*Lambda"):
            quantization_aware_train(with_lambda, data.x_train, data.y_train, preserve_sparsity=preserve)

    with_layer_norm = keras.Sequential(
        [layers.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.LayerNormalization(name="norm"),
         layers.GlobalAveragePooling2D(), layers.Dense(NUM_CLASSES, activation="softmax")]
    )
    for preserve in (True, False):  # tfmot's own check: the message keeps its layer name and type
        with pytest.raises(QuantizationError, match=r"norm.*LayerNormalization"):
            quantization_aware_train(with_layer_norm, data.x_train, data.y_train, preserve_sparsity=preserve)


# --- TFLite sparsity and compressibility -----------------------------------------------------------


def test_pruned_tflite_compresses_better_than_dense(data, trained_student, pruned):
    from tinynas_tui.pipeline.sparsity import gzip_size, tflite_weight_sparsity

    dense = convert_to_tflite(trained_student, data.x_train, "int8", 100)
    sparse = convert_to_tflite(pruned, data.x_train, "int8", 100)
    assert tflite_weight_sparsity(dense) < 0.1
    dense_ratio, sparse_ratio = gzip_size(dense) / len(dense), gzip_size(sparse) / len(sparse)
    assert sparse_ratio < 0.85 * dense_ratio


def test_tflite_weight_sparsity_rejects_other_bytes():
    from tinynas_tui.pipeline.sparsity import tflite_weight_sparsity

    with pytest.raises(ValueError, match="TFLite"):
        tflite_weight_sparsity(b"definitely not a flatbuffer")
