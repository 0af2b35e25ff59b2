"""One trial of the ``quick`` pipeline: build, train, evaluate, convert, measure. Runs in the worker.

This is the entry module the trial worker loads: ``prepare`` once per worker (TensorFlow import, data
loading), ``run_trial`` once per trial. Every stage reports its start and end; training reports epochs.
"""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from tinynas_tui.executor.protocol import TrialError, TrialRequest, WorkerConfig
from tinynas_tui.pipeline.config import PipelineConfig
from tinynas_tui.pipeline.datasets import Dataset, DatasetSpec, load_dataset
from tinynas_tui.search.events import EpochEnded, StageFinished, StageStarted, TrialFinished

Emit = Callable[[object], None]
# Epoch events are throttled so a UI is never flooded, however short an epoch is.
EPOCH_EVENT_MIN_INTERVAL_S = 0.25


@dataclass
class WorkerState:
    config: WorkerConfig
    pipeline: PipelineConfig
    data: Dataset
    load_seconds: float


def prepare(config: WorkerConfig) -> WorkerState:
    """Import TensorFlow and load the dataset once for all the trials of this worker."""
    import tensorflow as tf

    if config.threads:
        tf.config.threading.set_intra_op_parallelism_threads(config.threads)
        tf.config.threading.set_inter_op_parallelism_threads(min(2, config.threads))
    if not config.verbose:
        tf.get_logger().setLevel("ERROR")
    started = time.perf_counter()
    data = load_dataset(DatasetSpec.from_dict(config.dataset))
    os.makedirs(config.scratch_dir, exist_ok=True)
    return WorkerState(config, PipelineConfig.from_dict(config.pipeline), data, time.perf_counter() - started)


@contextmanager
def _stage(name: str, number: int, emit: Emit, timings: dict[str, float]) -> Iterator[None]:
    emit(StageStarted(number, name))
    started = time.perf_counter()
    try:
        yield
    except TrialError:
        raise
    except Exception as err:
        text = str(err).strip().splitlines()[0][:400] if str(err).strip() else ""
        raise TrialError(name, f"{type(err).__name__}: {text}" if text else type(err).__name__) from err
    seconds = time.perf_counter() - started
    timings[name] = round(seconds, 4)
    emit(StageFinished(number, name, seconds))


def run_trial(request: TrialRequest, state: WorkerState, emit: Emit) -> TrialFinished:
    """Run every stage of one trial and return its measurements."""
    import tf_keras as keras

    from tinynas_tui.pipeline.convert import convert_to_tflite
    from tinynas_tui.pipeline.macs import count_macs, count_params
    from tinynas_tui.pipeline.measure import (
        MeasurementError,
        int8_report,
        tflite_accuracy,
        tflite_latency_ms,
        tflm_arena_bytes,
    )
    from tinynas_tui.pipeline.models import build_model, layer_summary

    cfg, data, number = state.pipeline, state.data, request.number
    timings: dict[str, float] = {}
    keras.backend.clear_session()
    keras.utils.set_random_seed(1000 + number)

    with _stage("build", number, emit, timings):
        model = build_model(state.config.model, request.params, data.input_shape, data.num_classes)
    if request.fault == "nan":  # test hook: a poisoned output layer gives a real NaN loss in training
        head = model.layers[-1]
        head.set_weights([np.full_like(w, np.nan) for w in head.get_weights()])
    with _stage("train", number, emit, timings):
        history = model.fit(
            data.x_train,
            data.y_train,
            epochs=cfg.epochs,
            batch_size=int(request.params["batch_size"]),
            verbose=2 if state.config.verbose else 0,
            callbacks=[keras.callbacks.TerminateOnNaN(), _epoch_reporter(number, "train", cfg.epochs, emit)],
        )
        losses = history.history.get("loss", [])
        if not losses or not all(np.isfinite(losses)):
            epoch = next((i + 1 for i, v in enumerate(losses) if not np.isfinite(v)), 1)
            raise TrialError("train", f"loss became NaN at epoch {epoch}; the model is not converted")
        if not all(np.isfinite(w).all() for w in model.get_weights()):
            raise TrialError("train", "weights are not finite after training; the model is not converted")
    with _stage("evaluate", number, emit, timings):
        float_accuracy = float(model.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0)[1])
    with _stage("convert", number, emit, timings):
        tflite = convert_to_tflite(model, data.x_train, cfg.quantization, cfg.representative_samples)
    metrics: dict[str, Any] = {}
    with _stage("measure", number, emit, timings):
        accuracy = tflite_accuracy(tflite, data.x_test, data.y_test, batch_size=cfg.eval_batch_size)
        latency_ms = tflite_latency_ms(tflite, runs=cfg.latency_runs, warmup=cfg.latency_warmup)
        try:
            metrics["arena_bytes"] = int(tflm_arena_bytes(tflite))
        except MeasurementError as err:
            # Recorded plainly: a model TFLM cannot run is a finding, not a crash.
            metrics["arena_bytes"] = None
            metrics["arena_error"] = str(err).splitlines()[0][:300]
        metrics.update(int8_report(tflite))

    path = os.path.join(state.config.scratch_dir, f"trial-{number}-{uuid.uuid4().hex[:8]}.tflite")
    with open(path, "wb") as fh:
        fh.write(tflite)
    metrics.update(
        float_accuracy=float_accuracy,
        tflite_bytes=len(tflite),
        macs=int(count_macs(model)),
        params=int(count_params(model)),
        quantization=cfg.quantization,
        epochs_run=len(history.history.get("loss", [])),
        final_loss=float(history.history["loss"][-1]),
        layers=layer_summary(model),
        timings=timings,
        worker_rss_mb=_rss_mb(),
    )
    return TrialFinished(
        number,
        accuracy=float(accuracy),
        size_kb=len(tflite) / 1024.0,
        latency_ms=float(latency_ms),
        metrics=metrics,
        artifacts={"model.tflite": path},
    )


def _epoch_reporter(number: int, stage: str, epochs: int, emit: Emit) -> Any:
    """A Keras callback that emits throttled `EpochEnded` events."""
    import tf_keras as keras

    class EpochReporter(keras.callbacks.Callback):
        last = 0.0

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            now = time.monotonic()
            if now - self.last < EPOCH_EVENT_MIN_INTERVAL_S and epoch + 1 < epochs:
                return
            self.last = now
            emit(EpochEnded(number, stage, epoch + 1, epochs, {k: float(v) for k, v in (logs or {}).items()}))

    return EpochReporter()


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None
