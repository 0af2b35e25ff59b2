"""Keras model builders, one per model family a search space can feed. Runs in the trial worker."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinynas_tui.pipeline.measure import checked_labels


def build_model(family: str, params: dict[str, Any], input_shape: tuple[int, ...], num_classes: int) -> Any:
    """Build and compile the model of ``family`` for the dataset's input shape and class count."""
    builders = {"single-conv": build_single_conv, "blocks": build_blocks}
    try:
        builder = builders[family]
    except KeyError:
        raise ValueError(f"unknown model family {family!r}") from None
    return builder(params, input_shape, num_classes)


def adam(learning_rate: float) -> Any:
    """Adam with the given learning rate, as tf_keras' fused (``legacy``) implementation.

    The same algorithm and defaults as ``keras.optimizers.Adam`` (beta 0.9 / 0.999, epsilon 1e-7; the
    weights after an epoch agree to float rounding), but one fused kernel per variable instead of a
    handful of small ops: a new model's train function traces in about two-thirds of the time and
    each step is cheaper, which matters when every trial trains a fresh model for one epoch.
    """
    import tf_keras as keras

    return keras.optimizers.legacy.Adam(learning_rate=learning_rate)


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
        optimizer=adam(float(params["lr"])),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_blocks(params: dict[str, Any], input_shape: tuple[int, ...], num_classes: int) -> Any:
    """The second seed's family: conv blocks (filters doubling per block, 3x3 same-padding ReLU convs,
    2x2 max-pool after each block), global average pooling, dense layers, softmax head.

    Microcontroller extras, each read with a default that builds the models of older studies unchanged:
    ``separable`` uses depthwise-separable convs (``separable_stem``, default ``separable``, says whether
    the first conv is one too: on a one-channel image a separable conv is a single 3x3 filter scaled per
    output channel); ``batch_norm`` puts batch normalisation between conv and ReLU (the converter folds
    it into the conv, so it costs nothing at inference); ``stem_stride`` 2 makes the first conv strided,
    so no full-resolution activation is ever stored (28x28x16 int8 is 12.25 KiB, most of a 16 KiB arena);
    ``dropout`` drops features before the softmax head while training (nothing at inference).
    """
    import tf_keras as keras
    from tf_keras import layers

    separable = bool(params.get("separable", False))
    separable_stem = bool(params.get("separable_stem", separable))
    batch_norm = bool(params.get("batch_norm", False))
    stem_stride = int(params.get("stem_stride", 1))
    dropout = float(params.get("dropout", 0.0))
    model = keras.Sequential([keras.Input(shape=input_shape)], name="blocks")
    filters = int(params["init_filters"])
    height, width = input_shape[0], input_shape[1]
    for block in range(int(params["n_blocks"])):
        for index in range(int(params["layers_per_block"])):
            stem = block == 0 and index == 0
            conv = layers.SeparableConv2D if (separable_stem if stem else separable) else layers.Conv2D
            strides = stem_stride if stem else 1
            if batch_norm:
                model.add(conv(filters, 3, strides=strides, padding="same", use_bias=False))
                model.add(layers.BatchNormalization())
                model.add(layers.ReLU())
            else:
                model.add(conv(filters, 3, strides=strides, padding="same", activation="relu"))
            height, width = -(-height // strides), -(-width // strides)  # "same" padding rounds up
        if height >= 2 and width >= 2:  # small inputs run out of pixels to pool
            model.add(layers.MaxPooling2D(2))
            height, width = height // 2, width // 2
        filters *= 2
    model.add(layers.GlobalAveragePooling2D())
    for _ in range(int(params["n_dense"])):
        model.add(layers.Dense(int(params["dense_units"]), activation="relu"))
    if dropout > 0:
        model.add(layers.Dropout(dropout))
    model.add(layers.Dense(num_classes, activation="softmax"))
    model.compile(
        optimizer=adam(float(params.get("lr", 1e-3))),
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


def keras_accuracy(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Top-1 accuracy of a Keras model's inference call (``training=False``), run eagerly in batches.

    The figure ``model.evaluate`` reports as ``accuracy`` for a sparse-label classifier, without tracing a
    test function for each new model (which costs most of ``evaluate``'s time on small test sets).

    Args:
        model: A tf_keras classifier with one input and a (N, classes) output.
        x: Inputs, shape (N, ...).
        y: Integer class indices, shape (N,) (one-hot (N, C) is accepted too).
        batch_size: Samples per call, bounding the activation memory.

    Returns:
        Fraction of samples whose argmax output equals the label.

    Raises:
        ValueError: Empty data, mismatched lengths or a non-positive batch size.
    """
    y = checked_labels(x, y, batch_size)
    correct = 0
    for start in range(0, len(x), batch_size):
        output = np.asarray(model(x[start : start + batch_size], training=False))
        correct += int(np.sum(np.argmax(output.reshape(output.shape[0], -1), axis=1) == y[start : start + batch_size]))
    return correct / len(y)
