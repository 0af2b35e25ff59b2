"""Pre-flight estimates from a built (untrained) model: what it must cost on a microcontroller.

The two byte counts are lower bounds, so a model over a budget on them can never fit after training:
int8 weights take a byte each (biases four), and while one layer runs its input and output activations
are both alive in the TFLM arena.
"""

from __future__ import annotations

from tinynas_tui.core import figures

from typing import Any

import numpy as np

# Flatbuffer overhead seen on this project's models (tensors, ops, quantization parameters): used only
# for the size estimate shown to the user, never for skipping a candidate.
FLATBUFFER_OVERHEAD_BYTES = 4096


def _elements(shape: Any) -> int:
    dims = [d for d in (shape or [])[1:] if d is not None]
    return int(np.prod(dims)) if dims else 0


def estimate(model: Any) -> dict[str, int]:
    """Parameters, MACs, int8 weight bytes, the largest layer's int8 in+out bytes, an int8 size estimate."""
    from tinynas_tui.pipeline.macs import count_macs

    weight_bytes = 0
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            continue  # folded into the conv before it at conversion
        for weight in layer.weights:
            is_bias = weight.name.rsplit("/", 1)[-1].startswith("bias")
            weight_bytes += int(np.prod(weight.shape)) * (4 if is_bias else 1)  # int32 biases, int8 kernels
    activation_bytes = 0
    for layer in model.layers:
        inputs = layer.input_shape if isinstance(layer.input_shape, tuple) else layer.input_shape[0]
        activation_bytes = max(activation_bytes, _elements(inputs) + _elements(layer.output_shape))
    return {
        figures.PARAMS: int(model.count_params()),
        figures.MACS: int(count_macs(model)),
        figures.EST_WEIGHT_BYTES: int(weight_bytes),
        figures.EST_ACTIVATION_BYTES: int(activation_bytes),
        figures.EST_SIZE_BYTES: int(weight_bytes + FLATBUFFER_OVERHEAD_BYTES),
    }
