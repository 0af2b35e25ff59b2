"""Conversion, measurement and MAC counting against real TensorFlow on a tiny learnable data set."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from tinynas_tui.pipeline.convert import convert_to_tflite
from tinynas_tui.pipeline.macs import count_macs, count_params
from tinynas_tui.pipeline.measure import (
    MeasurementError,
    int8_report,
    quantize_input,
    tflite_accuracy,
    tflite_latency_ms,
    tflm_arena_bytes,
)

pytestmark = pytest.mark.tf

NUM_CLASSES = 10
SQUARE = 6


def _keras():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tf_keras as keras

    return keras


def _synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """28x28 images where class k is a brighter square at a class-specific position, plus noise.

    Noise and a 1-pixel position jitter keep 2-epoch accuracy below 1.0 (about 0.9 with seed 0), so
    the Keras-vs-TFLite comparison is not between two saturated numbers.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, NUM_CLASSES, size=n)
    x = rng.uniform(0.0, 0.4, size=(n, 28, 28, 1)).astype(np.float32)
    for i, k in enumerate(y):
        # 3 rows x 4 columns of square positions, jittered by up to one pixel.
        row = max(0, 2 + 9 * (k // 4) + int(rng.integers(-1, 2)))
        col = max(0, 2 + 6 * (k % 4) + int(rng.integers(-1, 2)))
        x[i, row : row + SQUARE, col : col + SQUARE, 0] += 0.5
    return np.clip(x, 0.0, 1.0), y.astype(np.int64)


@pytest.fixture(scope="module")
def trained():
    """Trains the product-like model once and converts it both ways."""
    keras = _keras()
    keras.utils.set_random_seed(0)
    layers = keras.layers
    model = keras.Sequential(
        [
            layers.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(32, activation="relu"),
            layers.Dropout(0.1),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x_train, y_train = _synthetic(600, seed=1)
    x_test, y_test = _synthetic(200, seed=2)
    model.fit(x_train, y_train, epochs=2, batch_size=32, verbose=0)
    keras_acc = float(model.evaluate(x_test, y_test, verbose=0)[1])
    return {
        "model": model,
        "x_train": x_train,
        "x_test": x_test,
        "y_test": y_test,
        "keras_acc": keras_acc,
        "int8": convert_to_tflite(model, x_train, mode="int8", representative_samples=100),
        "dynamic": convert_to_tflite(model, x_train, mode="dynamic"),
    }


def test_int8_conversion_is_fully_int8(trained):
    model_bytes = trained["int8"]
    assert model_bytes[4:8] == b"TFL3"
    report = int8_report(model_bytes)
    assert report["input_dtype"] == "int8"
    assert report["output_dtype"] == "int8"
    assert report["float_tensors"] == 0
    assert report["fully_int8"] is True


def test_dynamic_conversion_is_not_reported_as_int8(trained):
    model_bytes = trained["dynamic"]
    assert model_bytes[4:8] == b"TFL3"
    report = int8_report(model_bytes)
    assert report["input_dtype"] == "float32"
    assert report["float_tensors"] > 0
    assert report["fully_int8"] is False


def _int8_outputs(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model_bytes)
    details = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(details["index"], list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(details["index"], quantize_input(x, interpreter.get_input_details()[0]))
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy()


def _ops_and_quantization(model_bytes: bytes) -> list:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model_bytes)
    ops = [op["op_name"] for op in interpreter._get_ops_details()]
    tensors = [(t["dtype"], tuple(t["shape"]), t["quantization"]) for t in interpreter.get_tensor_details()]
    return [ops, tensors]


def test_int8_conversion_equals_the_from_keras_model_route(trained):
    """The in-memory route gives what ``from_keras_model`` (SavedModel round trip) gives."""
    import tensorflow as tf

    x_train, x_test = trained["x_train"], trained["x_test"]
    converter = tf.lite.TFLiteConverter.from_keras_model(trained["model"])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x_train[i : i + 1]] for i in range(100))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    reference = converter.convert()

    assert _ops_and_quantization(trained["int8"]) == _ops_and_quantization(reference)
    np.testing.assert_array_equal(_int8_outputs(trained["int8"], x_test), _int8_outputs(reference, x_test))


def test_conversion_of_a_model_without_inputs_fails_plainly():
    from tinynas_tui.pipeline.convert import ConversionError

    keras = _keras()

    class Unbuilt(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ConversionError, match="no known inputs"):
        convert_to_tflite(Unbuilt(), np.zeros((1, 4), np.float32))


def test_unknown_mode_is_rejected(trained):
    with pytest.raises(ValueError, match="mode"):
        convert_to_tflite(trained["model"], trained["x_test"], mode="float16")


def test_int8_accuracy_matches_keras(trained):
    acc = tflite_accuracy(trained["int8"], trained["x_test"], trained["y_test"])
    assert trained["keras_acc"] > 0.5, "the synthetic task should be learnable in 2 epochs"
    assert acc > 0.5
    assert abs(acc - trained["keras_acc"]) <= 0.05


def test_batched_accuracy_equals_one_by_one(trained):
    x, y = trained["x_test"][:37], trained["y_test"][:37]
    # Perturb a few labels so the slice's accuracy is not trivially 1.0.
    y = y.copy()
    y[::5] = (y[::5] + 1) % NUM_CLASSES
    for key in ("int8", "dynamic"):
        batched = tflite_accuracy(trained[key], x, y, batch_size=16)
        single = tflite_accuracy(trained[key], x, y, batch_size=1)
        assert batched == single
        assert 0.0 < batched < 1.0


def test_keras_accuracy_equals_evaluate(trained):
    from tinynas_tui.pipeline.models import keras_accuracy

    model, x, y = trained["model"], trained["x_test"], trained["y_test"].copy()
    y[::3] = (y[::3] + 1) % NUM_CLASSES  # not a saturated figure
    evaluated = float(model.evaluate(x, y, batch_size=256, verbose=0)[1])
    assert keras_accuracy(model, x, y, batch_size=64) == pytest.approx(evaluated, abs=1e-6)
    assert keras_accuracy(model, x, np.eye(NUM_CLASSES)[y]) == keras_accuracy(model, x, y, batch_size=7)
    with pytest.raises(ValueError):
        keras_accuracy(model, x, y[:-1])


def test_latency_is_positive_and_runs_validated(trained):
    latency = tflite_latency_ms(trained["int8"], runs=20, warmup=2)
    assert math.isfinite(latency)
    assert latency > 0.0
    with pytest.raises(ValueError):
        tflite_latency_ms(trained["int8"], runs=0)


def test_tflm_arena_covers_largest_activation(trained):
    arena = tflm_arena_bytes(trained["int8"])
    # Largest int8 activation, from the model's own layer shapes (the conv output, 26*26*8).
    largest = max(math.prod(layer.output_shape[1:]) for layer in trained["model"].layers)
    assert largest == 26 * 26 * 8
    assert isinstance(arena, int)
    assert largest <= arena < 16 * 1024 * 1024


def test_tflm_reports_what_it_cannot_run(trained):
    # TFLM has no float-input x int8-weight FULLY_CONNECTED kernel: the error carries its message.
    with pytest.raises(MeasurementError, match="FULLY_CONNECTED"):
        tflm_arena_bytes(trained["dynamic"])


def test_count_macs_product_model(trained):
    expected = 26 * 26 * 8 * 3 * 3 * 1 + 13 * 13 * 8 * 32 + 32 * 10
    assert count_macs(trained["model"]) == expected
    assert count_params(trained["model"]) == (3 * 3 * 8 + 8) + (1352 * 32 + 32) + (32 * 10 + 10)


def test_count_macs_depthwise_separable_grouped():
    keras = _keras()
    layers = keras.layers
    inputs = layers.Input((16, 16, 3))
    h = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(inputs)  # 16x16x6
    h = layers.Conv2D(4, 1, groups=2)(h)  # 16x16x4, 3 input channels per group
    h = layers.SeparableConv2D(5, 3, depth_multiplier=1)(h)  # 14x14x5
    h = layers.GlobalAveragePooling2D()(h)
    model = keras.Model(inputs, h)
    depthwise = 16 * 16 * 3 * 2 * 3 * 3
    grouped = 16 * 16 * 4 * 1 * 1 * (6 // 2)
    separable = 14 * 14 * 4 * 3 * 3 + 14 * 14 * 4 * 5
    assert count_macs(model) == depthwise + grouped + separable


def test_count_macs_dense_models():
    keras = _keras()
    layers = keras.layers
    flat = keras.Sequential([layers.Input((20,)), layers.Dense(7), layers.Dense(3)])
    assert count_macs(flat) == 20 * 7 + 7 * 3
    # Dense on a rank-3 input applies its matrix at each of the 4 leading positions.
    seq = keras.Sequential([layers.Input((4, 5)), layers.Dense(6)])
    assert count_macs(seq) == 4 * 5 * 6
    # A nested model counts its own layers.
    inner = keras.Sequential([layers.Input((8,)), layers.Dense(4)])
    inputs = layers.Input((8,))
    outer = keras.Model(inputs, layers.Dense(2)(inner(inputs)))
    assert count_macs(outer) == 8 * 4 + 4 * 2


def test_quantize_input_int8_and_float():
    details = {
        "dtype": np.int8,
        "quantization_parameters": {
            "scales": np.array([1 / 255], dtype=np.float32),
            "zero_points": np.array([-128], dtype=np.int32),
        },
    }
    q = quantize_input(np.array([0.0, 1.0, -1.0, 2.0], dtype=np.float32), details)
    assert q.dtype == np.int8
    assert q.tolist() == [-128, 127, -128, 127]
    x = np.array([0.25, -3.0], dtype=np.float64)
    out = quantize_input(x, {"dtype": np.float32})
    assert out.dtype == np.float32
    assert np.array_equal(out, x.astype(np.float32))


def test_fused_adam_trains_like_keras_adam():
    """The builders' fused Adam is the same algorithm: same seed, same epoch, same weights up to rounding."""
    from tinynas_tui.pipeline.models import adam, build_model

    keras = _keras()
    x, y = _synthetic(256, seed=3)
    params = {"num_filters": 4, "kernel_size": 3, "dense_units": 16, "dropout": 0.0, "lr": 1e-3}
    weights = []
    for optimizer in (adam(1e-3), keras.optimizers.Adam(learning_rate=1e-3)):
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = build_model("single-conv", params, (28, 28, 1), NUM_CLASSES)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    built = build_model("single-conv", params, (28, 28, 1), NUM_CLASSES).optimizer
    assert type(built) is type(adam(1.0)) and float(built.learning_rate) == pytest.approx(1e-3)
    for fused, reference in zip(*weights, strict=True):
        np.testing.assert_allclose(fused, reference, atol=1e-4)


def test_configure_threads_sizes_the_pools_before_the_first_op():
    """In a fresh process: the pools take the sizes; after the first op they cannot change."""
    import subprocess
    import sys

    script = (
        "import tensorflow as tf\n"
        "from tinynas_tui.pipeline.threads import configure_threads\n"
        "configure_threads(1)\n"
        "t = tf.config.threading\n"
        "print(t.get_intra_op_parallelism_threads(), t.get_inter_op_parallelism_threads())\n"
        "tf.constant(1.0) + 1.0\n"
        "configure_threads(1)\n"  # same sizes: nothing to change
        "try:\n"
        "    configure_threads(2)\n"
        "except RuntimeError as err:\n"
        "    print('refused:', err)\n"
    )
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "1 1"
    assert lines[1].startswith("refused: cannot size TensorFlow's thread pools to 2 intra-op and 2 inter-op")


def test_configure_threads_validates_and_none_keeps_defaults():
    from tinynas_tui.pipeline.threads import configure_threads

    configure_threads(None)  # leaves TensorFlow alone
    with pytest.raises(ValueError, match=">= 1"):
        configure_threads(0)
    with pytest.raises(ValueError, match=">= 1"):
        configure_threads(2, inter_op=0)
