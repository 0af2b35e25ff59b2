"""A built Keras model as the TFLite operators the int8 converter will make of it, before any training.

The latency model (`tinynas_tui.latency`) costs operators; to skip a model that cannot meet a latency
budget without training it, the same operators are read off the Keras layers' shapes: a convolution
becomes a CONV_2D (batch normalisation and ReLU fold into it), a separable convolution a depthwise and
a 1×1 convolution, ``Flatten`` a RESHAPE, global average pooling a MEAN, a softmax head its own
SOFTMAX. A test holds the result to the converter's own operator list.
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.latency.ops import Op

# Layers the converter folds into the operator before them, or drops: they add no operator.
_FOLDED = ("InputLayer", "BatchNormalization", "Dropout", "ReLU", "Activation", "SpatialDropout2D")


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, list):  # a layer with several inputs: the first
        shape = shape[0]
    return (1,) + tuple(int(d) for d in shape[1:])


def keras_ops(model: Any) -> list[Op]:
    """The operators of ``model`` once converted, in order (input and output shapes with batch 1)."""
    ops: list[Op] = []

    def add(kind: str, inp: tuple[int, ...], out: tuple[int, ...], **kw: Any) -> None:
        ops.append(Op(kind, inp, out, index=len(ops), **kw))

    for layer in model.layers:
        name = type(layer).__name__
        if name in _FOLDED:
            if name == "Activation" and getattr(layer, "activation", None) is not None \
                    and layer.activation.__name__ == "softmax":
                add("SOFTMAX", _shape(layer.input_shape), _shape(layer.output_shape))
            continue
        inp, out = _shape(layer.input_shape), _shape(layer.output_shape)
        if name == "Conv2D":
            add("CONV_2D", inp, out, kernel=tuple(layer.kernel_size), stride=tuple(layer.strides))
        elif name == "DepthwiseConv2D":
            add("DEPTHWISE_CONV_2D", inp, out, kernel=tuple(layer.kernel_size), stride=tuple(layer.strides),
                depth_multiplier=int(layer.depth_multiplier))
        elif name == "SeparableConv2D":
            mid = out[:-1] + (inp[-1] * int(layer.depth_multiplier),)
            add("DEPTHWISE_CONV_2D", inp, mid, kernel=tuple(layer.kernel_size), stride=tuple(layer.strides),
                depth_multiplier=int(layer.depth_multiplier))
            add("CONV_2D", mid, out)
        elif name == "Dense":
            if len(inp) > 2:  # Dense on a feature map: the converter reshapes it to rows first
                add("RESHAPE", inp, (1, inp[-1]))
            add("FULLY_CONNECTED", (1, inp[-1]), (1, out[-1]))
        elif name in ("MaxPooling2D", "AveragePooling2D"):
            add("MAX_POOL_2D" if name == "MaxPooling2D" else "AVERAGE_POOL_2D", inp, out,
                kernel=tuple(layer.pool_size), stride=tuple(layer.strides))
        elif name == "GlobalAveragePooling2D":
            add("MEAN", inp, out)
        elif name == "GlobalMaxPooling2D":
            add("REDUCE_MAX", inp, out)
        elif name in ("Flatten", "Reshape"):
            add("RESHAPE", inp, out)
        elif name in ("Add", "Multiply"):
            add("ADD" if name == "Add" else "MUL", inp, out)
        else:
            add(name.upper(), inp, out)  # named in the estimate as having no latency model
        activation = getattr(layer, "activation", None)
        if name in ("Dense", "Conv2D") and activation is not None and activation.__name__ == "softmax":
            add("SOFTMAX", (1, out[-1]), (1, out[-1]))
    return ops
