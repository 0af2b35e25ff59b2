"""The operators of a ``.tflite`` flatbuffer, read with LiteRT's generated schema code (no TensorFlow).

Only the operator list, the tensor shapes and the options that change a kernel's cost are read; weight
buffers are never unpacked, so a model of any size reads in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinynas_tui.latency.ops import Op

INTEGER_TYPES = ("INT8", "UINT8", "INT16", "INT32", "INT64", "BOOL")


class ModelError(ValueError):
    """The bytes are not a TFLite model this latency model can estimate; the message says why."""


@dataclass(frozen=True)
class ModelOps:
    """The operators of the model's main subgraph, and what its tensors hold.

    Attributes:
        ops: The operators, in execution order.
        float_ops: Names of operators that compute in floating point (their first input or output is
            float), which TFLite Micro's CMSIS-NN kernels do not accelerate.
        input_dtype: The model input's type name, e.g. ``INT8``.
    """

    ops: tuple[Op, ...]
    float_ops: tuple[str, ...]
    input_dtype: str

    @property
    def macs(self) -> int:
        return sum(op.macs for op in self.ops)


def read_ops(model_bytes: bytes) -> ModelOps:
    """The operators of a TFLite flatbuffer.

    Raises:
        ModelError: Not a TFLite flatbuffer, or one without operators.
    """
    from ai_edge_litert import schema_py_generated as schema

    buf = bytes(model_bytes)
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ModelError("not a TFLite model (no TFL3 file identifier)")
    try:
        model = schema.Model.GetRootAs(buf, 0)
        return _read(schema, model)
    except ModelError:
        raise
    except Exception as err:  # a truncated or corrupt flatbuffer fails deep inside the generated code
        raise ModelError(f"not a readable TFLite model ({type(err).__name__})") from None


def _read(schema, model) -> ModelOps:
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    types = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    if model.SubgraphsLength() < 1:
        raise ModelError("the model has no subgraph")
    graph = model.Subgraphs(0)
    if graph.OperatorsLength() < 1:
        raise ModelError("the model has no operators")

    def shape(index: int) -> tuple[int, ...]:
        if index < 0:
            return ()
        tensor = graph.Tensors(index)
        return tuple(int(d) for d in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else ()

    def dtype(index: int) -> str:
        return types.get(graph.Tensors(index).Type(), "?") if index >= 0 else "?"

    ops: list[Op] = []
    float_ops: list[str] = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        # Newer converters use builtin_code; older files keep it in the int8 deprecated field.
        kind = names.get(max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode())), "CUSTOM")
        if kind == "CUSTOM":
            custom = code.CustomCode()
            kind = f"CUSTOM:{custom.decode() if custom else '?'}"
        first_in = int(op.Inputs(0)) if op.InputsLength() else -1
        first_out = int(op.Outputs(0)) if op.OutputsLength() else -1
        kernel, stride, multiplier = (1, 1), (1, 1), 1
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D") and op.InputsLength() > 1:
            weights = shape(int(op.Inputs(1)))  # conv: O,H,W,I; depthwise: 1,H,W,O
            kernel = (weights[1], weights[2]) if len(weights) == 4 else (1, 1)
            options = (schema.Conv2DOptions() if kind == "CONV_2D" else schema.DepthwiseConv2DOptions())
            table = op.BuiltinOptions()
            if table is not None:
                options.Init(table.Bytes, table.Pos)
                stride = (int(options.StrideH()), int(options.StrideW()))
                if kind == "DEPTHWISE_CONV_2D":
                    multiplier = int(options.DepthMultiplier()) or 1
        elif kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            options = schema.Pool2DOptions()
            table = op.BuiltinOptions()
            if table is not None:
                options.Init(table.Bytes, table.Pos)
                kernel = (int(options.FilterHeight()), int(options.FilterWidth()))
                stride = (int(options.StrideH()), int(options.StrideW()))
        if kind not in ("QUANTIZE", "DEQUANTIZE") and any(
                dtype(t) not in INTEGER_TYPES for t in (first_in, first_out) if t >= 0):
            float_ops.append(kind)
        ops.append(Op(kind, shape(first_in), shape(first_out), kernel, stride, multiplier, i))
    input_index = int(graph.Inputs(0)) if graph.InputsLength() else -1
    return ModelOps(tuple(ops), tuple(float_ops), dtype(input_index))
