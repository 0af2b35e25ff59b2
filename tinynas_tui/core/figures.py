"""The names of what a trial records, and of the states it can be in: one definition each.

A trial's three objectives are Optuna values, named `OBJECTIVES` in the study. Every other figure is an
Optuna user attribute under one of the names below (one too long for a table cell is stored whole as a
system attribute, its user attribute a short form: `stored_figures`): the trial worker writes them, the
trial loop stores them, and the trial book, the screens and the exports read them. Stored studies hold
these strings, so they never change.
"""

from __future__ import annotations

OBJECTIVES = ("accuracy", "size_kb", "latency_ms")
"""The study's objectives, in Optuna's order (metric names)."""
DIRECTIONS = ("maximize", "minimize", "minimize")

# -- measured on the converted model ---------------------------------------------------------------
FLOAT_ACCURACY = "float_accuracy"  # the Keras model's accuracy, beside the int8 one (an objective)
ARENA_BYTES = "arena_bytes"  # TFLite Micro's arena (peak RAM); None when TFLM cannot run the model
ARENA_ERROR = "arena_error"  # why TFLM could not measure the arena
TFLITE_BYTES = "tflite_bytes"
GZIP_BYTES = "gzip_bytes"
TFLITE_SPARSITY = "tflite_sparsity"  # share of zero weights in the int8 model
FULLY_INT8 = "fully_int8"
FLOAT_TENSORS = "float_tensors"
INPUT_DTYPE = "input_dtype"
OUTPUT_DTYPE = "output_dtype"
QUANTIZATION = "quantization"
HOST_LATENCY_MS = "host_latency_ms"  # LiteRT on the host CPU, one thread (the objective of older studies)
HOST_LATENCY_NOTE = "host_latency_note"  # why the host latency was timed without XNNPACK (it could not run)
LATENCY_BOARD = "latency_board"  # what the latency objective is estimated for, e.g. "m4-1m (Cortex-M4, 64 MHz)"
LATENCY_CYCLES = "latency_cycles"  # the board estimate's cycles
LATENCY_TOP_OPS = "latency_top_ops"  # the five costliest operators: op, cycles, share
LATENCY_UNMODELLED = "latency_unmodelled"  # operator kinds the latency model has no cost for
NPU_REPORT = "npu_report"  # on an Ethos-U board: Vela's figures (time, cycles, NPU share, SRAM, flash)
VELA_ARTIFACT = "model_vela.tflite"  # on an Ethos-U board: Vela's optimised model, what the board runs

# -- from the built model, before training ---------------------------------------------------------
MACS = "macs"
PARAMS = "params"  # the parameter count (not the trial's hyperparameters)
LAYERS = "layers"  # a layer summary: name, type, output shape, parameter count (as a user attribute: one line)
EST_WEIGHT_BYTES = "est_weight_bytes"
EST_ACTIVATION_BYTES = "est_activation_bytes"
EST_SIZE_BYTES = "est_size_bytes"
EST_LATENCY_MS = "est_latency_ms"  # the board latency estimated from the Keras layers, before training

# -- how the trial went ----------------------------------------------------------------------------
TIMINGS = "timings"  # seconds per stage
EPOCHS_RUN = "epochs_run"
BEST_EPOCH = "best_epoch"  # with early stopping: the epoch whose weights were kept (1-based)
VALIDATION_ACCURACY = "validation_accuracy"  # with early stopping: the kept epoch's held-out accuracy
VALIDATION_SAMPLES = "validation_samples"  # with early stopping: training images held out to watch
FINAL_LOSS = "final_loss"
QUICK_EVAL_ACCURACY = "quick_eval_accuracy"
QUICK_EVAL_EPOCHS_RUN = "quick_eval_epochs_run"
TEACHER_CACHED = "teacher_cached"
TEACHER_ACCURACY = "teacher_accuracy"
TEACHER_SECONDS = "teacher_seconds"
SCREEN_ACCURACY = "screen_accuracy"  # multi-fidelity: validation accuracy after the screen's epochs
SCREEN_POINT = "screen_point"  # what the screen compared: [that accuracy, est. int8 KiB, est. latency ms]
SCREEN_VERDICT = "screen_verdict"  # why it was promoted or held back (`tinynas_tui.core.fidelity`)
KERAS_SPARSITY = "keras_sparsity"  # share of zero weights after pruning, before conversion
WORKER_RSS_MB = "worker_rss_mb"  # the trial worker's resident memory after the trial
WORKER_HOST = "worker_host"  # host:pid of the process that ran the trial loop
TRAINED_ON = "trained_on"  # the device the trial worker trained on, e.g. "GPU 1 (NVIDIA H200)" or "CPU"
ARTIFACTS = "artifacts"  # artifact name -> id in the artifact store
FAIL_STAGE = "fail_stage"
FAIL_REASON = "fail_reason"
PRUNE_STAGE = "prune_stage"
PRUNE_REASON = "prune_reason"

# -- seed repeats (`tinynas_tui.core.seed_repeats`) ------------------------------------------------
REPEAT_OF = "repeat_of"  # on a seed repeat: the number of the trial it runs again (same parameters, another seed)
ACCURACY_MEAN = "accuracy_mean"  # on a repeated trial: the int8 accuracy over it and its complete repeats
ACCURACY_STD = "accuracy_std"  # their sample standard deviation
ACCURACY_MIN = "accuracy_min"
ACCURACY_MAX = "accuracy_max"
ACCURACY_RUNS = "accuracy_runs"  # how many runs (seeds) these are of
ACCURACY_TRIALS = "accuracy_trials"  # their trial numbers, the trial itself first

# -- trial states ----------------------------------------------------------------------------------
RUNNING, COMPLETE, PRUNED, FAILED, WAITING = "running", "complete", "pruned", "failed", "waiting"
STATES = (RUNNING, COMPLETE, PRUNED, FAILED, WAITING)
FINISHED = (COMPLETE, PRUNED, FAILED)
FROM_OPTUNA = {"COMPLETE": COMPLETE, "PRUNED": PRUNED, "FAIL": FAILED, "RUNNING": RUNNING, "WAITING": WAITING}
"""Optuna's state names (``TrialState.name``) to ours."""
