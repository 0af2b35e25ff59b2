"""Quantization-aware training (tfmot), optionally preserving the zeros of a pruned model (PQAT).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tinynas_tui.pipeline.models import adam

# A tenth of the notebook's Adam default (1e-3): QAT fine-tunes an already trained model, and the
# fake-quant ranges are moving averages of the activations; large steps would undo the training and
# keep those ranges from settling. (tfmot's guide also fine-tunes briefly, at a low rate.)
DEFAULT_QAT_LEARNING_RATE = 1e-4

# tfmot's messages about layers it cannot quantize; only these become QuantizationError.
_UNSUPPORTED_RE = re.compile(r"not supported|unsupported layer|QuantizeConfig", re.IGNORECASE)
_CLASS_RE = re.compile(r"<class '([\w.]+)'>")


class QuantizationError(RuntimeError):
    """tfmot cannot quantize the model; the message names the offending layer and its type."""


def quantization_aware_train(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 5,
    batch_size: int = 32,
    learning_rate: float = DEFAULT_QAT_LEARNING_RATE,
    preserve_sparsity: bool,
    callbacks: list | None = None,
) -> Any:
    """Fine-tunes ``model`` with simulated int8 quantization and returns the quantization-aware model.

    With ``preserve_sparsity`` the model is quantized with tfmot's pruning-preserving scheme
    (``Default8BitPrunePreserveQuantizeScheme``): zero weights stay exactly zero through training, so
    a pruned model keeps its sparsity in the converted int8 file. Without it, plain
    ``quantize_model`` lets every weight move and pruned zeros grow back.

    The returned model converts to a fully int8 TFLite model with
    ``convert_to_tflite(model, x, "int8")``.

    Args:
        model: A trained tf_keras Sequential or functional model (not modified; tfmot clones it).
        x: Training inputs, shape (N, ...).
        y: Integer class indices, shape (N,).
        epochs: Fine-tuning epochs.
        batch_size: Batch size.
        learning_rate: Adam learning rate (see ``DEFAULT_QAT_LEARNING_RATE``).
        preserve_sparsity: Use pruning-preserving QAT (PQAT).
        callbacks: Extra Keras callbacks (e.g. a progress reporter).

    Returns:
        The trained quantization-aware model, compiled with Adam, sparse categorical cross-entropy and
        accuracy.

    Raises:
        QuantizationError: tfmot cannot quantize the model (a Lambda, custom or unsupported layer, a
            nested or subclassed model).
    """
    import tensorflow_model_optimization as tfmot
    import tf_keras as keras

    _check_quantizable(model, keras)
    quantize = tfmot.quantization.keras
    try:
        if preserve_sparsity:
            annotated = quantize.quantize_annotate_model(model)
            qat_model = quantize.quantize_apply(
                annotated, tfmot.experimental.combine.Default8BitPrunePreserveQuantizeScheme()
            )
        else:
            qat_model = quantize.quantize_model(model)
    except (RuntimeError, ValueError) as exc:
        if not _UNSUPPORTED_RE.search(str(exc)):
            raise
        raise QuantizationError(_describe(model, exc)) from exc

    qat_model.compile(
        optimizer=adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    qat_model.fit(
        x,
        np.asarray(y),
        epochs=int(epochs),
        batch_size=int(batch_size),
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN(), *(callbacks or [])],
    )
    return qat_model


def _check_quantizable(model: Any, keras: Any) -> None:
    """Rejects, with a clear message, the cases tfmot handles badly or with a vague message.

    tfmot only warns about a ``Lambda`` in ``quantize_model`` and leaves it in float, which would then
    surprise the int8 conversion; the prune-preserving scheme raises without naming the layer. Nested
    and subclassed models are rejected by tfmot without saying which layer is at fault.
    """
    if not isinstance(model, keras.Sequential) and not getattr(model, "_is_graph_network", False):
        raise QuantizationError(
            f"model {model.name!r} ({type(model).__name__}) is subclassed; tfmot quantizes only "
            "Sequential or functional models"
        )
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            raise QuantizationError(
                f"layer {layer.name!r} ({type(layer).__name__}) is a nested model, which tfmot cannot "
                "quantize; flatten it into the outer model"
            )
        if isinstance(layer, keras.layers.Lambda):
            raise QuantizationError(
                f"layer {layer.name!r} (Lambda) is not supported by tfmot quantization; replace it with "
                "a built-in layer or a custom layer with a QuantizeConfig"
            )


def _describe(model: Any, exc: Exception) -> str:
    """tfmot's message, prefixed with the names of the layers of the class it complains about."""
    text = " ".join(str(exc).split())
    match = _CLASS_RE.search(text)
    if match:
        class_name = match.group(1).rsplit(".", 1)[-1]
        names = [layer.name for layer in model.layers if type(layer).__name__ == class_name]
        if names and not any(repr(n) in text or f"{n}:" in text for n in names):
            return f"layer {', '.join(repr(n) for n in names)} ({class_name}) cannot be quantized: {text}"
    return f"cannot quantize the model: {text}"
