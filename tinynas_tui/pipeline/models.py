"""Keras model builders, one per model family a search space can feed. Runs in the trial worker."""

from __future__ import annotations

from typing import Any


def build_model(family: str, params: dict[str, Any], input_shape: tuple[int, ...], num_classes: int) -> Any:
    """Build and compile the model of ``family`` for the dataset's input shape and class count."""
    builders = {"single-conv": build_single_conv}
    try:
        builder = builders[family]
    except KeyError:
        raise ValueError(f"unknown model family {family!r}") from None
    return builder(params, input_shape, num_classes)


def build_single_conv(params: dict[str, Any], input_shape: tuple[int, ...], num_classes: int) -> Any:
    """The first seed's CNN: Conv2D, MaxPool 2x2, Flatten, Dense, Dropout, softmax head."""
    import tf_keras as keras
    from tf_keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(int(params["num_filters"]), int(params["kernel_size"]), activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(int(params["dense_units"]), activation="relu"),
            layers.Dropout(float(params["dropout"])),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="single_conv",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(params["lr"])),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def layer_summary(model: Any) -> list[dict[str, Any]]:
    """One row per layer: name, type, output shape and parameter count (for the detail view)."""
    rows = []
    for layer in model.layers:
        try:
            shape = list(layer.output_shape)
        except (AttributeError, RuntimeError):
            shape = []
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": [d if d is None else int(d) for d in shape],
                "params": int(layer.count_params()),
            }
        )
    return rows
