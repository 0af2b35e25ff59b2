"""The operators of an int8 model, as a latency model needs them: kind, shapes, kernel, stride, work.

One `Op` per operator of a converted ``.tflite`` (`tinynas_tui.latency.tflite_reader`), or per layer of a
built Keras model before it is trained (the pre-flight estimate). The multiply-accumulates and the
kernel family are computed here, once, for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

# Operators whose work is multiply-accumulates; the rest is counted in output (or input) elements.
MAC_KINDS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
# Operators the model knows; any other is named in the estimate, never counted as free.
KNOWN_KINDS = MAC_KINDS + (
    "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "MUL", "MEAN", "SOFTMAX", "RESHAPE", "QUANTIZE", "DEQUANTIZE",
    "PAD", "CONCATENATION", "LOGISTIC", "RELU", "RELU6", "HARD_SWISH",
)


@dataclass(frozen=True)
class Op:
    """One operator. Shapes are NHWC (or N×C for fully connected), batch included.

    Attributes:
        kind: The TFLite builtin name (``CONV_2D``, ``DEPTHWISE_CONV_2D``, ...).
        input_shape: The first input's shape (the activations).
        output_shape: The first output's shape.
        kernel: (height, width) of a convolution's or pool's window; (1, 1) otherwise.
        stride: (height, width).
        depth_multiplier: A depthwise convolution's output channels per input channel.
        index: The operator's place in the model (0 for the first).
    """

    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    depth_multiplier: int = 1
    index: int = 0

    @property
    def in_channels(self) -> int:
        return self.input_shape[-1] if self.input_shape else 0

    @property
    def out_channels(self) -> int:
        return self.output_shape[-1] if self.output_shape else 0

    @property
    def output_elements(self) -> int:
        return prod(self.output_shape[1:]) if len(self.output_shape) > 1 else prod(self.output_shape)

    @property
    def input_elements(self) -> int:
        return prod(self.input_shape[1:]) if len(self.input_shape) > 1 else prod(self.input_shape)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one inference (0 for operators without weights)."""
        kh, kw = self.kernel
        if self.kind == "CONV_2D":
            return self.output_elements * kh * kw * self.in_channels
        if self.kind == "DEPTHWISE_CONV_2D":
            return self.output_elements * kh * kw
        if self.kind == "FULLY_CONNECTED":
            return self.out_channels * self.in_channels
        return 0

    @property
    def family(self) -> str:
        """The kernel family CMSIS-NN runs this operator with (see `tinynas_tui.latency.cost`)."""
        if self.kind == "CONV_2D":
            if self.in_channels % 4:
                return "conv_narrow"  # generic im2col path with few or unaligned input channels
            if self.kernel == (1, 1) and self.stride == (1, 1):
                return "conv_1x1"
            return "conv"
        if self.kind == "DEPTHWISE_CONV_2D":
            return "depthwise" if self.depth_multiplier == 1 else "depthwise_generic"
        if self.kind == "FULLY_CONNECTED":
            return "fully_connected"
        if self.kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            return "pool"
        if self.kind in ("ADD", "MUL"):
            return "elementwise"
        if self.kind in KNOWN_KINDS:
            return "data"  # softmax, mean, reshape, quantize, pad, concatenation, activations
        return "unknown"

    @property
    def work(self) -> int:
        """What the family's cost scales with: MACs, or for a pool its window over the output."""
        if self.kind in MAC_KINDS:
            return self.macs
        if self.family == "pool":
            return self.output_elements * self.kernel[0] * self.kernel[1]
        if self.kind == "MEAN":
            return self.input_elements
        return self.output_elements

    def describe(self) -> str:
        """e.g. ``CONV_2D 3x3/2 -> 16x16x32``."""
        shape = "x".join(str(d) for d in self.output_shape[1:]) or "x".join(str(d) for d in self.output_shape)
        window = ""
        if self.kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D"):
            window = f" {self.kernel[0]}x{self.kernel[1]}" + (f"/{self.stride[0]}" if self.stride != (1, 1) else "")
        return f"{self.kind}{window} -> {shape}"
