"""Sparsity and compressibility of a converted TFLite model, read straight from its flatbuffer.

Why the flatbuffer schema rather than the LiteRT interpreter: the interpreter's ``get_tensor_details()``
does not say which op consumes a tensor, so weights cannot be told apart from biases or constant
activations without private APIs (``_get_ops_details``), and ``get_tensor()`` on constant tensors depends
on the delegate (XNNPACK may repack or release them). The schema module generated from
``schema.fbs`` and shipped by ``ai_edge_litert`` (pure Python + ``flatbuffers``, no TensorFlow import)
gives the operators, their input tensors and the raw constant buffers exactly as stored.
"""

from __future__ import annotations

import gzip

import numpy as np

# Builtin operator codes (schema.fbs ``BuiltinOperator``) whose input 1 is the weight tensor;
# input 0 is the activation and input 2 the bias, both excluded on purpose.
_CONV_2D = 3
_DEPTHWISE_CONV_2D = 4
_FULLY_CONNECTED = 9
_DEQUANTIZE = 6
_WEIGHT_OPS = (_CONV_2D, _DEPTHWISE_CONV_2D, _FULLY_CONNECTED)
_WEIGHT_INPUT = 1

# schema.fbs ``TensorType`` -> NumPy dtype, for the types weights are stored in.
_TENSOR_DTYPES = {
    0: np.float32,  # FLOAT32
    1: np.float16,  # FLOAT16
    2: np.int32,  # INT32
    3: np.uint8,  # UINT8
    7: np.int16,  # INT16
    9: np.int8,  # INT8
}


def gzip_size(model_bytes: bytes) -> int:
    """Size of the model after gzip at level 9.

    Pruned weights are stored densely in a TFLite file, so the file size does not shrink; runs of zeros
    do compress, which makes this the usual proxy for the storage a pruned model really needs.

    Args:
        model_bytes: Serialized TFLite model (or any bytes).

    Returns:
        ``len(gzip.compress(model_bytes, 9))``.
    """
    return len(gzip.compress(bytes(model_bytes), 9))


def tflite_weight_sparsity(model_bytes: bytes) -> float:
    """Fraction of zero values among the weights of the conv, depthwise-conv and fully-connected ops.

    Counts every element of each distinct weight tensor (input 1 of ``CONV_2D``,
    ``DEPTHWISE_CONV_2D`` and ``FULLY_CONNECTED``) in every subgraph; biases and activations are not
    counted. For int8 weights (symmetric, zero point 0) a stored 0 is exactly a zero weight. A weight
    tensor fed by a ``DEQUANTIZE`` op (float16 or hybrid models) is read from that op's constant input.
    A tensor stored in TFLite's sparse format counts its missing elements as zeros.

    Args:
        model_bytes: Serialized TFLite model.

    Returns:
        Zero weights / all weights, in [0, 1]; 0.0 when the model has no such weights.

    Raises:
        ValueError: ``model_bytes`` is not a TFLite flatbuffer.
    """
    from ai_edge_litert import schema_py_generated as schema

    buf = bytes(model_bytes)
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ValueError("not a TFLite model (missing the TFL3 file identifier)")
    model = schema.Model.GetRootAs(buf, 0)
    # Newer converters use builtin_code; old files keep the code in the int8 deprecated field.
    opcodes = []
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        opcodes.append(max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode())))

    zeros = total = 0
    for s in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(s)
        producers = {}
        for o in range(subgraph.OperatorsLength()):
            op = subgraph.Operators(o)
            for out in op.OutputsAsNumpy() if op.OutputsLength() else ():
                producers[int(out)] = op
        seen: set[int] = set()  # A tensor shared by several ops is counted once.
        for o in range(subgraph.OperatorsLength()):
            op = subgraph.Operators(o)
            if opcodes[op.OpcodeIndex()] not in _WEIGHT_OPS or op.InputsLength() <= _WEIGHT_INPUT:
                continue
            index = int(op.Inputs(_WEIGHT_INPUT))
            if index < 0 or index in seen:
                continue
            seen.add(index)
            values = _constant_values(schema, model, subgraph, index, buf)
            producer = producers.get(index)
            if values is None and producer is not None and opcodes[producer.OpcodeIndex()] == _DEQUANTIZE:
                values = _constant_values(schema, model, subgraph, int(producer.Inputs(0)), buf)
            if values is None:
                continue  # Not a constant (e.g. weights computed at run time): nothing stored to count.
            stored, size = values
            # Dense storage: size == stored.size. Sparse storage: absent elements are zeros.
            zeros += size - int(np.count_nonzero(stored))
            total += size
    return zeros / total if total else 0.0


def _constant_values(schema, model, subgraph, index: int, buf: bytes) -> tuple[np.ndarray, int] | None:
    """The stored values of constant tensor ``index`` and its dense element count, or None."""
    tensor = subgraph.Tensors(index)
    dtype = _TENSOR_DTYPES.get(int(tensor.Type()))
    if dtype is None or tensor.Buffer() <= 0 or tensor.Buffer() >= model.BuffersLength():
        return None  # Buffer 0 is the empty sentinel: the tensor is not a constant.
    buffer = model.Buffers(tensor.Buffer())
    if buffer.Offset() > 1:
        # Models over 2 GB keep buffers after the flatbuffer, addressed by offset and size.
        raw = buf[buffer.Offset() : buffer.Offset() + buffer.Size()]
    elif buffer.DataLength() > 0:
        raw = buffer.DataAsNumpy().tobytes()
    else:
        return None
    stored = np.frombuffer(raw, dtype=dtype)
    shape = tensor.ShapeAsNumpy() if tensor.ShapeLength() else np.array([stored.size])
    size = int(np.prod(shape)) if tensor.Sparsity() is not None else int(stored.size)
    return stored, size
