"""The TFLite Micro latency model against published measurements: rebuild, convert, fit, print.

Rebuilds each published reference architecture in Keras (random weights: latency does not depend on
them), converts it with this project's int8 converter, reads its operators from the flatbuffer, writes
them to tinynas_tui/latency/data/reference_models.json, fits the coefficients to every point of
tinynas_tui/latency/data/calibration.toml, and prints per point: measured, predicted, ratio, and the
prediction of a fit without that point (leave-one-out). ``--write`` also saves the coefficients the
package ships (data/coefficients.json).

    python bench/latency_model.py [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tinynas_tui.latency import fit as fitting  # noqa: E402
from tinynas_tui.latency.cost import op_cycles  # noqa: E402
from tinynas_tui.latency.tflite_reader import read_ops  # noqa: E402

# The MACs of the MLPerf Tiny reference int8 files (mlcommons/tiny), to check each rebuild against.
PUBLISHED_MACS = {"mlperf-ad": 264_192, "mlperf-ic": 12_501_632, "mlperf-kws": 2_656_768, "mlperf-vww": 7_489_664}


def build(name: str):
    """The Keras model of one published architecture (mlcommons/tiny benchmark/training/*, MLTK's
    image_example1, Keras' MobileNetV2)."""
    import tf_keras as keras
    from tf_keras import layers

    def bn_relu(x):
        return layers.ReLU()(layers.BatchNormalization()(x))

    if name == "mlperf-ad":  # anomaly_detection/keras_model.py, inputDim 640 (128 mels x 5 frames)
        x = inp = keras.Input((640,))
        for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
            x = bn_relu(layers.Dense(units)(x))
        return keras.Model(inp, layers.Dense(640)(x))
    if name == "mlperf-ic":  # image_classification/keras_model.py resnet_v1_eembc, 16 filters (as benchmarked)
        inp = keras.Input((32, 32, 3))
        x = bn_relu(layers.Conv2D(16, 3, padding="same")(inp))
        for filters, stride in ((16, 1), (32, 2), (64, 2)):
            y = bn_relu(layers.Conv2D(filters, 3, strides=stride, padding="same")(x))
            y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y))
            if stride != 1:
                x = layers.Conv2D(filters, 1, strides=stride, padding="same")(x)
            x = layers.ReLU()(layers.Add()([x, y]))
        x = layers.Flatten()(layers.AveragePooling2D(8)(x))
        return keras.Model(inp, layers.Dense(10, activation="softmax")(x))
    if name == "mlperf-kws":  # keyword_spotting/keras_model.py ds_cnn, as deployed (25x5 average pool)
        inp = keras.Input((49, 10, 1))
        x = bn_relu(layers.Conv2D(64, (10, 4), strides=2, padding="same")(inp))
        for _ in range(4):
            x = bn_relu(layers.DepthwiseConv2D(3, padding="same")(x))
            x = bn_relu(layers.Conv2D(64, 1)(x))
        x = layers.Flatten()(layers.AveragePooling2D((25, 5))(x))
        return keras.Model(inp, layers.Dense(12, activation="softmax")(x))
    if name == "mlperf-vww":  # visual_wake_words: MobileNetV1 alpha 0.25, 96x96x3
        inp = keras.Input((96, 96, 3))
        x = bn_relu(layers.Conv2D(8, 3, strides=2, padding="same")(inp))
        for filters, stride in ((16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1),
                                (128, 1), (128, 1), (128, 1), (256, 2), (256, 1)):
            x = bn_relu(layers.DepthwiseConv2D(3, strides=stride, padding="same")(x))
            x = bn_relu(layers.Conv2D(filters, 1)(x))
        x = layers.Flatten()(layers.AveragePooling2D(3)(x))
        return keras.Model(inp, layers.Dense(2, activation="softmax")(x))
    if name == "mltk-image-example1":  # SiliconLabs/mltk image_example1, 96x96x1, 3 classes
        inp = keras.Input((96, 96, 1))
        x = layers.Conv2D(24, 3, strides=2, padding="same", activation="relu")(inp)
        x = layers.AveragePooling2D(2)(x)
        x = layers.Conv2D(16, 3, strides=2, activation="relu")(x)
        x = layers.Conv2D(24, 3, activation="relu")(x)
        x = layers.Flatten()(layers.AveragePooling2D(2)(x))
        return keras.Model(inp, layers.Dense(3, activation="softmax")(x))
    if name == "mobilenetv2-0.3-80":
        return keras.applications.MobileNetV2(input_shape=(80, 80, 3), alpha=0.3, weights=None, classes=1000)
    raise KeyError(name)


def convert(model) -> bytes:
    import numpy as np

    from tinynas_tui.pipeline.convert import convert_to_tflite

    rng = np.random.default_rng(0)
    x = rng.random((16, *model.input_shape[1:]), dtype=np.float32)
    return convert_to_tflite(model, x, "int8", representative_samples=16)


def rebuild(names: list[str]) -> dict:
    models = {}
    for name in names:
        started = time.perf_counter()
        tflite = convert(build(name))
        ops = read_ops(tflite)
        published = PUBLISHED_MACS.get(name)
        print(f"  {name:22s} {len(ops.ops):3d} ops  {ops.macs:>11,} MACs"
              + (f" (published file: {published:,})" if published else "")
              + f"  {time.perf_counter() - started:.1f} s", flush=True)
        models[name] = {"macs": ops.macs, "ops": [fitting.op_to_dict(op) for op in ops.ops]}
    return models


def main() -> None:
    print("command: python " + " ".join(sys.argv))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="save the fitted coefficients the package ships")
    args = parser.parse_args()
    calibration = fitting.load_calibration()
    names = sorted({p.model for p in calibration.points} | {o.model for o in calibration.op_points})
    print("rebuilding the reference architectures (Keras, random weights; this project's int8 converter):")
    models = rebuild(names)
    fitting.REFERENCE_MODELS_PATH.write_text(json.dumps({"models": models}, indent=1) + "\n", encoding="utf-8")
    result = fitting.fit(calibration, fitting.load_reference_models())
    print()
    print(f"{'point':34s} {'core':14s} {'MHz':>4s} {'measured':>10s} {'predicted':>10s} {'ratio':>6s} "
          f"{'left out':>10s} {'ratio':>6s}")
    for p in calibration.fit_points:
        predicted, loo = result.predicted_ms[p.id], result.loo_ms[p.id]
        print(f"{p.id:34s} {p.core:14s} {p.clock_mhz:4g} {p.latency_ms:9.2f}  {predicted:9.2f}  "
              f"{predicted / p.latency_ms:5.2f}  {loo:9.2f}  {loo / p.latency_ms:5.2f}")
    errors = [result.loo_ms[p.id] / p.latency_ms for p in calibration.fit_points]
    print(f"\nleave-one-out over {len(errors)} points: median |error| "
          f"{result.coefficients.fit['loo_median_abs_error']:.0%}, worst ratio "
          f"{min(errors):.2f} / {max(errors):.2f} (worst as a factor: "
          f"{result.coefficients.fit['loo_worst_ratio']:.2f}x); goal: median <= 20%, worst within 2x")
    reference = fitting.load_reference_models()
    for o in calibration.op_points:
        print(f"\nper operator, {o.model} on {o.core} ({o.source.split(':')[0]}):")
        for op, cycles, label in zip(reference[o.model], o.cycles, o.ops):
            predicted = op_cycles(op, o.core, result.coefficients)
            print(f"  {label:26s} measured {cycles:>10,.0f}  predicted {predicted:>10,.0f}  {predicted / cycles:5.2f}")
    print("\ncores:")
    for core, entry in result.coefficients.cores.items():
        print(f"  {core:14s} compute x{entry['compute']:.3f}  memory x{entry['memory']:.3f}  {entry['basis']}")
    print("\ncycles per unit on the reference core:",
          ", ".join(f"{k} {v:.3g}" for k, v in result.coefficients.features.items()))
    if args.write:
        fitting.write_coefficients(result.coefficients, fitting.DATA / "coefficients.json")
        print(f"wrote {fitting.DATA / 'coefficients.json'}")


if __name__ == "__main__":
    main()
