"""Analytic multiply-accumulate (MAC) and parameter counts of tf_keras models.

MACs are computed from layer hyper-parameters and the shapes recorded in the model's graph, without the
TensorFlow profiler. 
"""

from __future__ import annotations

import math
import os
from typing import Any


def _layers_module() -> Any:
    """Returns ``tf_keras.layers`` (lazy import)."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tf_keras as keras

    return keras.layers


def _shape(shape: Any) -> tuple[int | None, ...]:
    """Normalises a single-tensor shape (TensorShape, tuple or one-element list of those)."""
    if isinstance(shape, list) and len(shape) == 1:
        shape = shape[0]
    return tuple(None if d is None else int(d) for d in shape)


def _spatial(shape: tuple[int | None, ...], channels_first: bool) -> tuple[tuple[int, ...], int]:
    """Splits a (batch, ...) conv shape into its spatial sizes and its channel count."""
    if channels_first:
        channels, spatial = shape[1], shape[2:]
    else:
        channels, spatial = shape[-1], shape[1:-1]
    if channels is None or any(d is None for d in spatial):
        raise ValueError(f"cannot count MACs of a convolution with unknown shape {shape}")
    return tuple(int(d) for d in spatial), int(channels)


def _layer_macs(layer: Any, in_shape: Any, out_shape: Any) -> int:
    """MACs of one call of a non-model layer with the given (batch-inclusive) shapes."""
    layers = _layers_module()
    if isinstance(layer, layers.Dense):
        in_shape, out_shape = _shape(in_shape), _shape(out_shape)
        # Dense on rank > 2 inputs applies the same matrix at every leading position.
        positions = math.prod(int(d) for d in in_shape[1:-1])
        return positions * int(in_shape[-1]) * int(layer.units)

    conv_types = (
        layers.Conv1D, layers.Conv2D, layers.Conv3D,
        layers.DepthwiseConv1D, layers.DepthwiseConv2D,
        layers.SeparableConv1D, layers.SeparableConv2D,
    )  # fmt: skip
    if not isinstance(layer, conv_types):
        # Pooling, activations, BN, dropout, reshapes, merges: counted as 0 by convention.
        return 0

    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    in_spatial, in_c = _spatial(_shape(in_shape), channels_first)
    out_spatial, out_c = _spatial(_shape(out_shape), channels_first)
    kernel = math.prod(int(k) for k in layer.kernel_size)

    if isinstance(layer, (layers.SeparableConv1D, layers.SeparableConv2D)):
        # Depthwise part at output resolution, then a 1x1 pointwise conv.
        mid_c = in_c * int(layer.depth_multiplier)
        return math.prod(out_spatial) * (mid_c * kernel + mid_c * out_c)
    if isinstance(layer, (layers.DepthwiseConv1D, layers.DepthwiseConv2D)):
        return math.prod(out_spatial) * in_c * int(layer.depth_multiplier) * kernel
    if isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose)):
        # Every input position scatters a full kernel into every output channel.
        return math.prod(in_spatial) * in_c * kernel * out_c
    groups = int(getattr(layer, "groups", 1) or 1)
    return math.prod(out_spatial) * out_c * kernel * (in_c // groups)


def _is_model(layer: Any) -> bool:
    """True for nested tf_keras models (Functional/Sequential used as a layer)."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tf_keras as keras

    return isinstance(layer, keras.Model)


def count_macs(model: Any) -> int:
    """Multiply-accumulates of one single-sample inference of a tf_keras model.

    Conv1D/2D/3D (with groups), Conv1D/2D/3DTranspose, DepthwiseConv1D/2D, SeparableConv1D/2D and
    Dense are counted; every other layer counts 0. Nested models are counted recursively, and layers called
    several times (shared layers) are counted once per call.

    Args:
        model: A built Functional or Sequential tf_keras model.

    Returns:
        The MAC count.

    Raises:
        ValueError: The model has no graph (an unbuilt Sequential or a subclassed model), or a
            convolution has unknown spatial sizes.
    """
    network_nodes = getattr(model, "_network_nodes", None)
    if not getattr(model, "_is_graph_network", False) or network_nodes is None:
        raise ValueError(
            f"count_macs needs a built Functional or Sequential model, got {type(model).__name__} "
            "without a layer graph (build it with an Input first)"
        )
    total = 0
    for layer in model.layers:
        # Only the calls that belong to this model's graph (keys follow tf_keras' "<name>_ib-<i>").
        calls = [
            i for i in range(len(layer._inbound_nodes)) if f"{layer.name}_ib-{i}" in network_nodes
        ]
        if _is_model(layer):
            total += len(calls) * count_macs(layer)
            continue
        for i in calls:
            total += _layer_macs(layer, layer.get_input_shape_at(i), layer.get_output_shape_at(i))
    return int(total)


def count_params(model: Any) -> int:
    """Total parameters (trainable and not) of a built tf_keras model."""
    return int(model.count_params())
