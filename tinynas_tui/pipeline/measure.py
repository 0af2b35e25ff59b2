"""Measurements of a converted TFLite model: accuracy, latency, TFLM arena size and int8 coverage.
"""

from __future__ import annotations

from tinynas_tui.core import figures

import contextlib
import ctypes
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

# First arena tried by tflm_arena_bytes, growth factor on "out of memory", and the ceiling.
_ARENA_START = 16 * 1024 * 1024
_ARENA_GROWTH = 4
_ARENA_MAX = 256 * 1024 * 1024
_ARENA_TOTAL_RE = re.compile(r"Arena allocation total (\d+) bytes")
# TFLM messages that mean "the arena is too small", as opposed to "this model cannot run".
_ARENA_SHORT_RE = re.compile(
    r"missing: \d+|Failed to resize buffer|Failed to allocate (tail|head) memory"
)


class MeasurementError(RuntimeError):
    """A runtime could not load or run the model; the message carries the runtime's own output."""


def _interpreter(model_bytes: bytes, like_tflm: bool = False) -> Any:
    """Returns a single-threaded LiteRT interpreter for ``model_bytes`` (tensors not yet allocated).

    ``like_tflm``: LiteRT's builtin kernels without its default XNNPACK delegate, whose int8 arithmetic
    rounds differently from TensorFlow Lite Micro's kernels (one compress model gave 46 of 1,000 test
    predictions other than TFLM's); the builtin kernels give TFLM's outputs, so an accuracy measured with
    them is what the board computes.
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    # One thread: the figures stand in for a single-core microcontroller and stay comparable.
    if like_tflm:
        return Interpreter(model_content=model_bytes, num_threads=1,
                           experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    return Interpreter(model_content=model_bytes, num_threads=1)


def quantize_input(x: np.ndarray, details: dict) -> np.ndarray:
    """Converts float inputs to what an input tensor expects.

    Args:
        x: Float inputs in the scale the model was trained on.
        details: An input-details dict as returned by a LiteRT or TFLM interpreter: ``dtype`` and
            ``quantization_parameters`` with ``scales`` and ``zero_points`` (or the legacy
            ``quantization`` pair).

    Returns:
        ``round(x / scale + zero_point)`` clipped to the integer range and cast, for int8/uint8 inputs;
        ``x`` as float32 otherwise.
    """
    dtype = np.dtype(details["dtype"])
    if dtype not in (np.dtype(np.int8), np.dtype(np.uint8)):
        return np.asarray(x, dtype=np.float32)
    params = details.get("quantization_parameters") or {}
    scales = np.asarray(params.get("scales", []), dtype=np.float64)
    zero_points = np.asarray(params.get("zero_points", []), dtype=np.float64)
    if scales.size == 0:
        # Older dicts only carry the per-tensor (scale, zero_point) pair.
        scale, zero_point = details.get("quantization", (0.0, 0))
        scales, zero_points = np.array([scale], np.float64), np.array([zero_point], np.float64)
    if scales.size != 1 or scales[0] == 0.0:
        raise ValueError(f"input tensor needs one non-zero scale, got {scales.tolist()}")
    info = np.iinfo(dtype)
    q = np.round(np.asarray(x, dtype=np.float64) / scales[0] + zero_points[0])
    return np.clip(q, info.min, info.max).astype(dtype)


def tflite_accuracy(model_bytes: bytes, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Top-1 accuracy of a TFLite model, run in batches with LiteRT's builtin kernels (TFLM's outputs).

    Args:
        model_bytes: Serialized TFLite model with one input and one output.
        x: Float inputs, shape (N, ...), quantized here if the model's input is integer.
        y: Integer class indices, shape (N,) (one-hot (N, C) is accepted too).
        batch_size: Samples per invoke; the last partial batch gets its own resize.

    Returns:
        Fraction of samples whose argmax output equals the label.

    Raises:
        ValueError: Empty data, mismatched lengths or a non-positive batch size.
    """
    y = checked_labels(x, y, batch_size)

    interpreter = _interpreter(model_bytes, like_tflm=True)
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    sample_shape = list(np.shape(x)[1:])
    allocated_batch = None
    correct = 0
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size]
        if len(batch) != allocated_batch:
            # Re-plan the tensors only when the batch size changes (at most twice).
            interpreter.resize_tensor_input(input_index, [len(batch), *sample_shape])
            interpreter.allocate_tensors()
            allocated_batch = len(batch)
        details = interpreter.get_input_details()[0]
        interpreter.set_tensor(input_index, quantize_input(batch, details))
        interpreter.invoke()
        # argmax on raw int8 is fine: dequantization is monotonic.
        output = interpreter.get_tensor(output_index).reshape(len(batch), -1)
        correct += int(np.sum(np.argmax(output, axis=1) == y[start : start + len(batch)]))
    return correct / len(y)


def tflite_latency_ms(model_bytes: bytes, runs: int = 200, warmup: int = 20,
                      on_fallback: Callable[[str], None] | None = None) -> float:
    """Median single-sample LiteRT inference time on one thread.

    LiteRT runs the model with its default XNNPACK delegate; where XNNPACK cannot (``failed to create
    XNNPACK runtime``), the builtin kernels are timed instead, and ``on_fallback`` is told why: the latency
    is a host figure beside the board's, and no reason to fail a trial whose model LiteRT itself can run.

    Args:
        model_bytes: Serialized TFLite model.
        runs: Number of individually timed invokes (>= 1).
        warmup: Number of untimed invokes first (caches, lazy initialisation).
        on_fallback: Told, in one line, why the builtin kernels were timed instead of XNNPACK.

    Returns:
        The median invoke time in milliseconds.

    Raises:
        ValueError: ``runs`` < 1 or ``warmup`` < 0.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    try:
        interpreter, details = _ready_for_one_sample(model_bytes, like_tflm=False)
    except RuntimeError as err:
        if "XNNPACK" not in str(err):
            raise
        interpreter, details = _ready_for_one_sample(model_bytes, like_tflm=True)
        if on_fallback is not None:
            reason = " ".join(str(err).split())[:200]
            on_fallback(f"XNNPACK could not run the model ({reason}); timed with LiteRT's builtin kernels")
    for _ in range(warmup):
        interpreter.invoke()
    times_ns = np.empty(runs, dtype=np.int64)
    for i in range(runs):
        t0 = time.perf_counter_ns()
        interpreter.invoke()
        times_ns[i] = time.perf_counter_ns() - t0
    return float(np.median(times_ns)) / 1e6


def _ready_for_one_sample(model_bytes: bytes, like_tflm: bool) -> tuple[Any, dict]:
    """An interpreter sized for one sample, its input set and invoked once (a delegate that cannot run
    the model fails here, at allocation or at the first invoke)."""
    interpreter = _interpreter(model_bytes, like_tflm=like_tflm)
    details = interpreter.get_input_details()[0]
    shape = [1, *[int(d) for d in details["shape"][1:]]]
    interpreter.resize_tensor_input(details["index"], shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(details["index"], _fixed_input(shape, details["dtype"]))
    interpreter.invoke()
    return interpreter, details


def _fixed_input(shape: list[int], dtype: Any) -> np.ndarray:
    """A seeded random array of ``dtype``, so every latency run sees the same data."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(0)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
    return rng.standard_normal(size=shape).astype(dtype)


class _Captured:
    """Text written to file descriptor 2 inside :func:`_capture_fd2`; filled in on exit."""

    text: str = ""


@contextlib.contextmanager
def _capture_fd2() -> Iterator[_Captured]:
    """Redirects the process-level stderr (fd 2) to a temp file; TFLM prints from C++, not Python."""
    captured = _Captured()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield captured
        finally:
            with contextlib.suppress(Exception):  # Flush C stdio buffers before restoring fd 2.
                ctypes.CDLL(None).fflush(None)
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            captured.text = tmp.read().decode("utf-8", errors="replace")


def tflm_arena_bytes(model_bytes: bytes) -> int:
    """Tensor-arena size TFLite Micro really uses for the model.

    Builds a TFLM interpreter with a generous arena (16 MiB, growing 4x up to 256 MiB only when TFLM
    reports the arena is too small), runs one zero input and parses the recording allocator's total.

    Args:
        model_bytes: Serialized TFLite model.

    Returns:
        The arena bytes reported by ``print_allocations()``.

    Raises:
        MeasurementError: TFLM cannot load or run the model (e.g. an unsupported op or type
            combination), or its report cannot be parsed; the message includes TFLM's output.
    """
    from tflite_micro.python.tflite_micro import runtime

    arena = _ARENA_START
    while True:
        with _capture_fd2() as log:
            try:
                interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena)
                error = None
            except Exception as exc:  # TFLM raises RuntimeError with a generic message.
                interpreter, error = None, exc
        if interpreter is not None:
            break
        if arena * _ARENA_GROWTH <= _ARENA_MAX and _ARENA_SHORT_RE.search(log.text):
            arena *= _ARENA_GROWTH
            continue
        raise MeasurementError(
            f"TFLM could not load the model (arena {arena} bytes): {error}\n{log.text.strip()}"
        )

    with _capture_fd2() as log:
        try:
            details = interpreter.get_input_details(0)
            shape = [int(d) for d in details["shape"]]
            interpreter.set_input(np.zeros(shape, dtype=details["dtype"]), 0)
            interpreter.invoke()
            error = None
        except Exception as exc:
            error = exc
    if error is not None:
        raise MeasurementError(f"TFLM could not run the model: {error}\n{log.text.strip()}")

    with _capture_fd2() as log:
        interpreter.print_allocations()
    match = _ARENA_TOTAL_RE.search(log.text)
    if match is None:
        raise MeasurementError(f"no arena total in TFLM allocation report:\n{log.text.strip()}")
    return int(match.group(1))


def int8_report(model_bytes: bytes) -> dict:
    """Says plainly whether a model is fully int8, so a float model is never reported as int8.

    Args:
        model_bytes: Serialized TFLite model.

    Returns:
        ``{"input_dtype", "output_dtype", "float_tensors", "fully_int8"}``: dtype names of the first
        input and output, the number of floating-point tensors, and whether input and output are int8
        with no floating-point tensor left (int32 biases are fine).
    """
    interpreter = _interpreter(model_bytes)
    input_dtype = np.dtype(interpreter.get_input_details()[0]["dtype"]).name
    output_dtype = np.dtype(interpreter.get_output_details()[0]["dtype"]).name
    float_tensors = sum(
        1 for t in interpreter.get_tensor_details() if np.issubdtype(np.dtype(t["dtype"]), np.floating)
    )
    return {
        figures.INPUT_DTYPE: input_dtype,
        figures.OUTPUT_DTYPE: output_dtype,
        figures.FLOAT_TENSORS: int(float_tensors),
        figures.FULLY_INT8: input_dtype == "int8" and output_dtype == "int8" and float_tensors == 0,
    }


def checked_labels(x: Any, y: Any, batch_size: int) -> np.ndarray:
    """An accuracy's inputs checked, and its labels as int64 class indices of shape (N,).

    One-hot rows (N, C) become their argmax.

    Raises:
        ValueError: Empty data, mismatched lengths or a non-positive batch size.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = np.argmax(y, axis=1)
    y = y.reshape(-1).astype(np.int64)
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(f"need matching non-empty x and y, got {len(x)} and {len(y)} samples")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return y
