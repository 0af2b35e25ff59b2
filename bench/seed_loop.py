"""A plain in-process loop doing what the seed README describes, for comparison (not part of the product).

One process: Optuna study, each trial builds the seed CNN, trains 1 epoch, evaluates the Keras model,
converts with dynamic-range quantization, and times one inference. Same data as the product's mnist-5k.
Usage: python bench/seed_loop.py --trials N
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()

    import optuna
    import tensorflow as tf
    import tf_keras as keras
    from ai_edge_litert.interpreter import Interpreter

    from tinynas_tui.core.dataset_spec import DatasetSpec
    from tinynas_tui.pipeline.datasets import load_dataset

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    data = load_dataset(DatasetSpec("mnist-5k"))

    def objective(trial: optuna.Trial) -> tuple[float, float, float]:
        num_filters = trial.suggest_categorical("num_filters", [8, 16, 32])
        kernel_size = trial.suggest_categorical("kernel_size", [3, 5])
        dense_units = trial.suggest_categorical("dense_units", [32, 64, 128])
        dropout = trial.suggest_float("dropout", 0.0, 0.3)
        lr = trial.suggest_float("lr", 1e-4, 1e-2, log=True)
        batch_size = trial.suggest_categorical("batch_size", [16, 32])
        model = keras.Sequential([
            keras.Input(shape=data.input_shape),
            keras.layers.Conv2D(num_filters, kernel_size, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(dense_units, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(data.num_classes, activation="softmax"),
        ])
        model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", ["accuracy"])
        model.fit(data.x_train, data.y_train, epochs=1, batch_size=batch_size, verbose=0)
        _, acc = model.evaluate(data.x_test, data.y_test, verbose=0)
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        tflite = converter.convert()
        interpreter = Interpreter(model_content=tflite)
        interpreter.allocate_tensors()
        inp = interpreter.get_input_details()[0]
        interpreter.set_tensor(inp["index"], data.x_test[:1])
        start = time.perf_counter()
        interpreter.invoke()
        latency_ms = (time.perf_counter() - start) * 1000
        keras.backend.clear_session()
        print(f"Trial {trial.number:2d}: acc={acc:.4f}, size={len(tflite) / 1024:6.1f}KB, latency={latency_ms:5.2f}ms",
              flush=True)
        return acc, len(tflite) / 1024, latency_ms

    study = optuna.create_study(directions=["maximize", "minimize", "minimize"])
    study.optimize(objective, n_trials=args.trials)


if __name__ == "__main__":
    main()
