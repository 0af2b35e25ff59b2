"""Magnitude pruning with fine-tuning (tfmot), and the weight sparsity of a Keras model.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinynas_tui.pipeline.models import adam

# tfmot's default pruning frequency; fine-tuning runs shorter than this are pruned more often.
_MAX_FREQUENCY = 100
# About this many mask updates over the run: gradual enough for the weights to adapt between them.
_TARGET_UPDATES = 20
# Variable names (last path component) of the weights counted by weight_sparsity; biases excluded.
_KERNEL_NAMES = frozenset({"kernel", "depthwise_kernel", "pointwise_kernel"})


def pruning_frequency(end_step: int) -> int:
    """Steps between mask updates such that the last update falls exactly on ``end_step``.

    tfmot only prunes at steps where ``(step - begin_step) % frequency == 0``. With its default
    frequency of 100, a fine-tuning run shorter than 100 steps never prunes at all, and in general the
    final sparsity is only applied if ``end_step`` is such a step. So the frequency is the largest
    divisor of ``end_step`` not above ``min(100, end_step // 20)`` (at least 1).

    Args:
        end_step: The last pruning step (>= 1).

    Returns:
        The frequency, a divisor of ``end_step``.
    """
    limit = max(1, min(_MAX_FREQUENCY, end_step // _TARGET_UPDATES))
    return next(f for f in range(limit, 0, -1) if end_step % f == 0)


def prune_and_finetune(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    initial_sparsity: float = 0.5,
    final_sparsity: float = 0.8,
    epochs: int = 2,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    callbacks: list | None = None,
) -> Any:
    """Prunes ``model`` by weight magnitude while fine-tuning it, and returns the stripped result.

    Sparsity follows tfmot's ``PolynomialDecay`` from ``initial_sparsity`` to ``final_sparsity`` over
    the whole run: ``end_step`` is counted in optimizer steps (``ceil(N / batch_size) * epochs``), so
    the final sparsity is reached at the last step. (The notebook passed ``len(x) * 10``, a count of
    samples, so its schedule stopped a small fraction of the way.) Each prunable layer (conv, dense...)
    reaches the target sparsity on its own.

    Args:
        model: A built tf_keras Sequential or functional model; left unchanged (a copy is pruned).
        x: Training inputs, shape (N, ...).
        y: Integer class indices, shape (N,).
        initial_sparsity: Sparsity applied at the first pruning step.
        final_sparsity: Sparsity at the last step, in [0, 1).
        epochs: Fine-tuning epochs.
        batch_size: Batch size.
        learning_rate: Adam learning rate.
        callbacks: Extra Keras callbacks (e.g. a progress reporter).

    Returns:
        The pruned model with the pruning wrappers stripped (plain layers, zeros in the kernels),
        compiled with Adam, sparse categorical cross-entropy and accuracy.
    """
    import tensorflow_model_optimization as tfmot
    import tf_keras as keras

    if len(x) == 0 or epochs < 1 or batch_size < 1:
        raise ValueError(f"need data, epochs >= 1 and batch_size >= 1 (got {len(x)}, {epochs}, {batch_size})")
    end_step = math.ceil(len(x) / batch_size) * int(epochs)
    schedule = tfmot.sparsity.keras.PolynomialDecay(
        initial_sparsity=float(initial_sparsity),
        final_sparsity=float(final_sparsity),
        begin_step=0,
        end_step=end_step,
        frequency=pruning_frequency(end_step),
    )
    # prune_low_magnitude wraps the input's own layer objects, so it would zero the caller's weights
    # in place; prune a copy so the dense model stays intact (e.g. for a before/after comparison).
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    pruned = tfmot.sparsity.keras.prune_low_magnitude(copy, pruning_schedule=schedule)
    _compile(pruned, keras, learning_rate)
    pruned.fit(
        x,
        np.asarray(y),
        epochs=int(epochs),
        batch_size=int(batch_size),
        verbose=0,
        # UpdatePruningStep advances the schedule and re-applies the masks at each epoch end, so the
        # stripped weights are exactly masked.
        callbacks=[tfmot.sparsity.keras.UpdatePruningStep(), keras.callbacks.TerminateOnNaN(), *(callbacks or [])],
    )
    stripped = tfmot.sparsity.keras.strip_pruning(pruned)
    _compile(stripped, keras, learning_rate)
    return stripped


def _compile(model: Any, keras: Any, learning_rate: float) -> None:
    model.compile(
        optimizer=adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def weight_sparsity(model: Any) -> float:
    """Fraction of exactly-zero values among the kernels of the conv and dense layers of ``model``.

    Counts the kernels of ``Conv2D`` (and its subclasses), ``DepthwiseConv2D`` (depthwise kernel),
    ``SeparableConv2D`` (depthwise and pointwise kernels) and ``Dense``; biases, BN parameters and
    quantizer ranges are not counted. Nested models and layer wrappers (tfmot's pruning and
    quantization wrappers) are searched too.

    Args:
        model: A tf_keras model.

    Returns:
        Zeros / kernel elements, in [0, 1]; 0.0 when the model has no such layer.
    """
    import tf_keras as keras

    zeros = total = 0
    seen: set[int] = set()  # A layer reused in several places counts its kernels once.
    for kernel in _kernels(model, keras):
        if id(kernel) in seen:
            continue
        seen.add(id(kernel))
        values = np.asarray(kernel.numpy())
        zeros += int(values.size - np.count_nonzero(values))
        total += int(values.size)
    return zeros / total if total else 0.0


def _kernels(layer: Any, keras: Any) -> list:
    """The kernel variables of ``layer`` and everything it contains, depth first."""
    if isinstance(layer, keras.Model):
        return [k for sub in layer.layers for k in _kernels(sub, keras)]
    inner = layer
    while isinstance(inner, keras.layers.Wrapper):
        inner = inner.layer
    if not isinstance(inner, _kernel_types(keras)):
        return []
    # Read the variables by name from the outermost layer: tfmot's quantize wrapper owns the kernel
    # and replaces the inner layer's ``kernel`` attribute with a symbolic fake-quantized tensor.
    return [w for w in layer.weights if w.name.rsplit("/", 1)[-1].split(":")[0] in _KERNEL_NAMES]


def _kernel_types(keras: Any) -> tuple:
    layers = keras.layers
    # Conv2D covers its subclasses (e.g. Conv2DTranspose); the other two derive from a separate base.
    return (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D, layers.Dense)
