"""The measure stage of a trial: the converted int8 model's accuracy, host latency, TFLM arena, size
figures, and the latency on the study's board (estimated for a Cortex-M, or Vela's for an Ethos-U).
Runs in the trial worker."""

from __future__ import annotations

from typing import Any

from tinynas_tui.core import figures
from tinynas_tui.core.boards import LatencyBoard
from tinynas_tui.executor.protocol import TrialError

# ``trial`` below is the running trial of `tinynas_tui.pipeline.trial` (its config, data, metrics, files,
# stage reporter); typed loosely, as that module imports this one.


def measure_stage(trial: Any, tflite: bytes) -> tuple[float, float]:
    """(int8 accuracy, latency ms) of the converted model, and its other figures into the metrics.

    The latency is the board's estimate where the study has a board, else the host CPU's measurement
    (always recorded beside)."""
    from tinynas_tui.pipeline.measure import (
        MeasurementError,
        int8_report,
        tflite_accuracy,
        tflite_latency_ms,
        tflm_arena_bytes,
    )
    from tinynas_tui.pipeline.sparsity import gzip_size, tflite_weight_sparsity

    cfg, data, metrics = trial.cfg, trial.data, trial.metrics
    with trial.stage("measure"):
        accuracy = tflite_accuracy(tflite, data.x_test, data.y_test, batch_size=cfg.eval_batch_size)
        latency_ms = metrics[figures.HOST_LATENCY_MS] = tflite_latency_ms(
            tflite, runs=cfg.latency_runs, warmup=cfg.latency_warmup,
            on_fallback=lambda note: metrics.__setitem__(figures.HOST_LATENCY_NOTE, note))
        try:
            metrics[figures.ARENA_BYTES] = int(tflm_arena_bytes(tflite))
        except MeasurementError as err:
            # Recorded plainly: a model TFLM cannot run is a finding, not a crash.
            metrics[figures.ARENA_BYTES] = None
            metrics[figures.ARENA_ERROR] = str(err).splitlines()[0][:300]
        if trial.state.latency is not None:
            latency_ms = board_latency(trial, tflite)
        metrics.update(int8_report(tflite))
        metrics[figures.TFLITE_SPARSITY] = float(tflite_weight_sparsity(tflite))
        metrics[figures.GZIP_BYTES] = int(gzip_size(tflite))
    metrics[figures.TFLITE_BYTES] = len(tflite)
    metrics[figures.QUANTIZATION] = cfg.quantization
    return float(accuracy), float(latency_ms)


def board_latency(trial: Any, tflite: bytes) -> float:
    """The converted model's estimated latency on the study's board (the objective); its details into the
    trial's metrics. On an Ethos-U board, Vela compiles the model and its figures are the board's."""
    from tinynas_tui.latency.estimate import estimate_tflite
    from tinynas_tui.latency.tflite_reader import ModelError

    board, metrics = trial.state.latency, trial.metrics
    assert board is not None
    if board.npu:
        return npu_latency(trial, board, tflite)
    try:
        estimate = estimate_tflite(tflite, board.core, board.clock_mhz)
    except ModelError as err:
        raise TrialError("measure", f"no board latency: {err}") from err
    metrics[figures.LATENCY_BOARD] = board.summary
    metrics[figures.LATENCY_CYCLES] = round(estimate.cycles)
    metrics[figures.LATENCY_TOP_OPS] = estimate.top_ops(5)
    if estimate.unmodelled:
        metrics[figures.LATENCY_UNMODELLED] = list(estimate.unmodelled)
    return estimate.latency_ms


def npu_latency(trial: Any, board: LatencyBoard, tflite: bytes) -> float:
    from tinynas_tui.latency.vela import VelaError, compile_model

    try:
        result = compile_model(tflite, board.npu or "")
    except VelaError as err:
        raise TrialError("measure", str(err).splitlines()[0][:400]) from err
    metrics = trial.metrics
    metrics[figures.LATENCY_BOARD] = board.summary
    metrics[figures.LATENCY_CYCLES] = result.cycles
    metrics[figures.NPU_REPORT] = result.to_dict()
    # On the board the arena is the SRAM Vela plans for the compiled model (the host TFLM cannot run it).
    metrics[figures.ARENA_BYTES] = round(result.sram_kib * 1024)
    trial.files[figures.VELA_ARTIFACT] = result.model
    return result.inference_ms
