"""One trial: the stages of the pipeline config, in order. Runs in the trial worker.

This is the entry module the worker loads: ``prepare`` once per worker (TensorFlow import, data
loading), ``run_trial`` once per trial. Stages: build, preflight, [quick_eval], teacher + distill or
train, [prune], [qat], evaluate, convert, measure. Each reports its start and end; training reports
epochs. A candidate that cannot fit the budgets, or fails the quick filter, ends PRUNED with the reason.
"""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from tinynas_tui import paths
from tinynas_tui.core import figures
from tinynas_tui.core.boards import LatencyBoard
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.dataset_spec import DatasetSpec
from tinynas_tui.core.events import EpochEnded, PreflightMeasured, StageFinished, StageStarted, TrialFinished
from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.executor.protocol import PruneTrial, TrialError, TrialRequest, WorkerConfig
from tinynas_tui.pipeline.datasets import Dataset, load_dataset
from tinynas_tui.pipeline.fitting import convergence_figures, fit_plan
from tinynas_tui.pipeline.measure_stage import measure_stage
from tinynas_tui.pipeline.fit_checks import require_finite as _require_finite

Emit = Callable[[object], None]
# Epoch events are throttled so a UI is never flooded, however short an epoch is.
EPOCH_EVENT_MIN_INTERVAL_S = 0.25


@dataclass
class WorkerState:
    config: WorkerConfig
    pipeline: PipelineConfig
    budgets: Budgets
    data: Dataset
    load_seconds: float
    latency: LatencyBoard | None = None
    """The board the latency objective is estimated for; None: the host CPU's measurement."""
    device: str = "CPU"
    """Where this worker trains (`devices.configure_gpus`)."""
    # Loaded once per worker when distillation first needs them.
    teacher: Any = None
    teacher_info: dict[str, Any] = field(default_factory=dict)
    curriculum: np.ndarray | None = None


def prepare(config: WorkerConfig) -> WorkerState:
    """Import TensorFlow and load the dataset once for all the trials of this worker."""
    import tensorflow as tf

    from tinynas_tui.pipeline.devices import configure_gpus
    from tinynas_tui.pipeline.threads import configure_threads

    configure_threads(config.threads)
    device = configure_gpus()
    if not config.verbose:
        tf.get_logger().setLevel("ERROR")
    started = time.perf_counter()
    data = load_dataset(DatasetSpec.from_dict(config.dataset))
    os.makedirs(config.scratch_dir, exist_ok=True)
    return WorkerState(config, PipelineConfig.from_dict(config.pipeline), Budgets.from_dict(config.budgets), data,
                       time.perf_counter() - started, LatencyBoard.from_dict(config.latency), device)


class _Trial:
    """One running trial: its parameters, what it has measured so far, and how it reports a stage."""

    def __init__(self, request: TrialRequest, state: WorkerState, emit: Emit) -> None:
        self.number, self.params, self.state, self.emit = request.number, request.params, state, emit
        self.request_screen_peers = request.screen_peers
        self.cfg, self.data = state.pipeline, state.data
        self.batch_size = int(self.params.get("batch_size", 32))
        self.lr = float(self.params.get("lr", 1e-3))
        self.timings: dict[str, float] = {}
        self.metrics: dict[str, Any] = {figures.TIMINGS: self.timings}
        self.files: dict[str, bytes] = {}
        """Extra files by artifact name (Vela's model on an NPU board), written with the trial's own."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Report the stage's start and end; an error inside it fails the trial at this stage."""
        self.emit(StageStarted(self.number, name))
        started = time.perf_counter()
        try:
            yield
        except TrialError:
            raise
        except Exception as err:
            text = str(err).strip().splitlines()[0][:400] if str(err).strip() else ""
            raise TrialError(name, f"{type(err).__name__}: {text}" if text else type(err).__name__) from err
        seconds = time.perf_counter() - started
        self.timings[name] = round(seconds, 4)
        self.emit(StageFinished(self.number, name, seconds))

    def progress(self, stage: str, epochs: int) -> Any:
        """A Keras callback reporting this stage's epochs."""
        return _epoch_reporter(self.number, stage, epochs, self.emit)


def run_trial(request: TrialRequest, state: WorkerState, emit: Emit) -> TrialFinished:
    """Run every stage of one trial and return its measurements."""
    import tf_keras as keras

    trial = _Trial(request, state, emit)
    keras.backend.clear_session()
    keras.utils.set_random_seed(1000 + trial.number)
    model = _build(trial)
    if trial.cfg.quick_eval:
        _quick_filter(trial, model)
    history = _distill(trial, model) if trial.cfg.distill else _train(trial, model)
    trial.metrics[figures.FINAL_LOSS] = float(history.history["loss"][-1])
    trial.metrics[figures.EPOCHS_RUN] = len(history.history["loss"])
    model = _compress(trial, model)
    if not all(np.isfinite(w).all() for w in model.get_weights()):
        raise TrialError("train", "weights are not finite after training; the model is not converted")
    tflite = _evaluate_and_convert(trial, model)
    accuracy, latency_ms = measure_stage(trial, tflite)
    artifacts = _save(trial, model, tflite)
    return TrialFinished(trial.number, accuracy=accuracy, size_kb=len(tflite) / 1024.0, latency_ms=latency_ms,
                         metrics=trial.metrics, artifacts=artifacts)


def _build(trial: _Trial) -> Any:
    """Build the model and skip it (PRUNED) when its int8 weights, one layer's activations or its board
    latency cannot fit."""
    from tinynas_tui.pipeline.models import build_model, layer_summary
    from tinynas_tui.pipeline.preflight import estimate

    board = trial.state.latency
    with trial.stage("build"):
        _require_buildable(trial)
        model = build_model(trial.state.config.model, trial.params, trial.data.input_shape, trial.data.num_classes)
        trial.metrics[figures.LAYERS] = layer_summary(model)
    with trial.stage("preflight"):
        estimates = estimate(model)
        if board is not None:
            from tinynas_tui.latency.estimate import estimate_ops
            from tinynas_tui.pipeline.keras_ops import keras_ops

            estimates[figures.EST_LATENCY_MS] = estimate_ops(keras_ops(model), board.core, board.clock_mhz).latency_ms
        trial.metrics.update(estimates)
        trial.emit(PreflightMeasured(trial.number, dict(estimates)))  # shown while it trains, not only after
        why = trial.state.budgets.preflight(estimates[figures.EST_WEIGHT_BYTES],
                                            estimates[figures.EST_ACTIVATION_BYTES],
                                            estimates.get(figures.EST_LATENCY_MS), board.summary if board else "")
    if why:
        raise PruneTrial("preflight", why, trial.metrics)
    return model


def _require_buildable(trial: _Trial) -> None:
    """Fail in one short line, not Keras' 300 characters, for images too small for these parameters (a study
    made before validation checked this, say)."""
    from tinynas_tui.core.model_shapes import single_conv_min_side

    kernel = trial.params.get("kernel_size")
    if trial.state.config.model != "single-conv" or kernel is None:
        return
    height, width = trial.data.input_shape[:2]
    need = single_conv_min_side(int(kernel))
    if min(height, width) < need:
        raise TrialError("build", f"kernel_size {kernel} needs images of at least {need}x{need}; "
                                  f"the dataset's are {height}x{width}")


def _quick_filter(trial: _Trial, model: Any) -> None:
    """A few epochs with early stopping; below the threshold the trial ends PRUNED."""
    import tf_keras as keras

    cfg, data = trial.cfg, trial.data
    with trial.stage("quick_eval"):
        history = model.fit(
            data.x_train, data.y_train, epochs=cfg.quick_eval_epochs, batch_size=trial.batch_size,
            validation_split=cfg.quick_eval_validation, verbose=0,
            callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.quick_eval_patience),
                       keras.callbacks.TerminateOnNaN(), trial.progress("quick_eval", cfg.quick_eval_epochs)],
        )
        _require_finite(history, "quick_eval")
        quick = float(history.history["val_accuracy"][-1])
        trial.metrics[figures.QUICK_EVAL_ACCURACY] = quick
        trial.metrics[figures.QUICK_EVAL_EPOCHS_RUN] = len(history.history["loss"])
    if quick < cfg.quick_eval_threshold:
        raise PruneTrial("quick_eval", f"validation accuracy {quick:.4f} is below the threshold "
                         f"{cfg.quick_eval_threshold:g}", trial.metrics)


def _distill(trial: _Trial, model: Any) -> Any:
    """Train the model from the dataset's teacher (trained once per worker, or read from the cache)."""
    import tf_keras as keras

    from tinynas_tui.pipeline.distill import distill

    cfg, data, state = trial.cfg, trial.data, trial.state
    with trial.stage("teacher"):
        teacher = _teacher(state, trial.progress("teacher", cfg.teacher_epochs))
    trial.metrics.update(state.teacher_info)
    keras.utils.set_random_seed(2000 + trial.number)  # training a teacher reseeds; keep trials reproducible
    with trial.stage("distill"):
        plan = fit_plan(cfg, data.x_train, data.y_train, trial.batch_size, seed=2000 + trial.number,
                        order=state.curriculum if cfg.curriculum else None)  # easiest first, kept in order
        history = distill(model, teacher, plan.inputs["x"], plan.inputs.get("y"), alpha=cfg.distill_alpha,
                          temperature=cfg.distill_temperature, epochs=cfg.distill_epochs,
                          batch_size=trial.batch_size, learning_rate=trial.lr,
                          shuffle=plan.inputs.get("shuffle", True), validation_data=plan.validation,
                          callbacks=[*plan.callbacks, trial.progress("distill", cfg.distill_epochs)])
        _require_finite(history, "distill")
    trial.metrics.update(convergence_figures(plan, history))
    return history


def _train(trial: _Trial, model: Any) -> Any:
    """Plain training, or with augmented batches and early stopping on a held-out part (`fitting`)."""
    import tf_keras as keras

    cfg, data = trial.cfg, trial.data
    if cfg.screen:
        from tinynas_tui.pipeline.screen import screen_then_train

        return screen_then_train(trial, model, lambda stage, epochs: [keras.callbacks.TerminateOnNaN(),
                                                                      trial.progress(stage, epochs)])
    with trial.stage("train"):
        plan = fit_plan(cfg, data.x_train, data.y_train, trial.batch_size, seed=3000 + trial.number)
        history = model.fit(**plan.inputs, epochs=cfg.epochs, validation_data=plan.validation,
                            verbose=2 if trial.state.config.verbose else 0,
                            callbacks=[*plan.callbacks, keras.callbacks.TerminateOnNaN(),
                                       trial.progress("train", cfg.epochs)])
        _require_finite(history, "train")
    trial.metrics.update(convergence_figures(plan, history))
    return history


def _compress(trial: _Trial, model: Any) -> Any:
    """Pruning and quantization-aware training, as the pipeline asks; the model that comes out."""
    cfg, data = trial.cfg, trial.data
    if cfg.prune:
        from tinynas_tui.pipeline.prune import prune_and_finetune, weight_sparsity

        with trial.stage("prune"):
            model = prune_and_finetune(model, data.x_train, data.y_train,
                                       initial_sparsity=cfg.prune_initial_sparsity,
                                       final_sparsity=cfg.prune_final_sparsity, epochs=cfg.prune_epochs,
                                       batch_size=trial.batch_size, learning_rate=trial.lr,
                                       callbacks=[trial.progress("prune", cfg.prune_epochs)])
            trial.metrics[figures.KERAS_SPARSITY] = float(weight_sparsity(model))
    if cfg.qat:
        from tinynas_tui.pipeline.qat import QuantizationError, quantization_aware_train

        with trial.stage("qat"):
            try:
                model = quantization_aware_train(model, data.x_train, data.y_train, epochs=cfg.qat_epochs,
                                                 batch_size=trial.batch_size, preserve_sparsity=cfg.prune,
                                                 callbacks=[trial.progress("qat", cfg.qat_epochs)])
            except QuantizationError as err:
                raise TrialError("qat", str(err).splitlines()[0][:400]) from err
    return model


def _evaluate_and_convert(trial: _Trial, model: Any) -> bytes:
    """The float model's accuracy, then the int8 flatbuffer."""
    from tinynas_tui.pipeline.convert import convert_to_tflite
    from tinynas_tui.pipeline.models import keras_accuracy

    cfg, data = trial.cfg, trial.data
    with trial.stage("evaluate"):
        trial.metrics[figures.FLOAT_ACCURACY] = keras_accuracy(model, data.x_test, data.y_test, batch_size=256)
    with trial.stage("convert"):
        return convert_to_tflite(model, data.x_train, cfg.quantization, cfg.representative_samples)


def _save(trial: _Trial, model: Any, tflite: bytes) -> dict[str, str]:
    """Write the trial's files to the scratch folder (the loop moves them to the artifact store)."""
    stem = os.path.join(trial.state.config.scratch_dir, f"trial-{trial.number}-{uuid.uuid4().hex[:8]}")
    with open(stem + ".tflite", "wb") as fh:
        fh.write(tflite)
    artifacts = {"model.tflite": stem + ".tflite"}
    for name, data in trial.files.items():
        path = f"{stem}-{name}"
        with open(path, "wb") as fh:
            fh.write(data)
        artifacts[name] = path
    if trial.cfg.keep_keras:
        suffix = ".h5" if trial.cfg.qat else ".keras"
        model.save(stem + suffix)
        artifacts["model" + suffix] = stem + suffix
    trial.metrics[figures.WORKER_RSS_MB] = _rss_mb()
    trial.metrics[figures.TRAINED_ON] = trial.state.device
    return artifacts


def _teacher(state: WorkerState, callback: Any) -> Any:
    """The dataset's teacher: from this worker's memory, the user cache, or trained now (and cached)."""
    if state.teacher is None:
        from tinynas_tui.pipeline.distill import entropy_order
        from tinynas_tui.pipeline.teacher import load_or_train_teacher

        cfg, data = state.pipeline, state.data
        started = time.perf_counter()
        teacher, loaded = load_or_train_teacher(data, epochs=cfg.teacher_epochs, batch_size=cfg.teacher_batch_size,
                                                cache_dir=paths.user_cache_dir() / "teachers", callbacks=[callback])
        accuracy = float(teacher.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0)[1])
        state.teacher = teacher
        state.teacher_info = {figures.TEACHER_CACHED: loaded, figures.TEACHER_ACCURACY: accuracy,
                              figures.TEACHER_SECONDS: round(time.perf_counter() - started, 2)}
        if cfg.curriculum:
            state.curriculum = entropy_order(teacher, data.x_train)
    return state.teacher


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
