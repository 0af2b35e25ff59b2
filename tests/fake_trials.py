"""A trial entry module without TensorFlow, for testing the executor and the study runner.

Params drive behaviour: ``sleep`` seconds to take, ``fail`` to raise a TrialError (a text ``fail`` is
its reason), ``boom`` to raise an unexpected exception, ``long`` to record figures as long as a real
trial's (a 40-layer summary, a 300-character text, three files). The objectives are simple functions of ``x``
(and ``seed_noise``, times the trial number modulo 3, added to the accuracy) so results can be checked. The
worker's pipeline dict may name ``faults`` by trial number (see `fault_injection`).
"""

from __future__ import annotations

import os
import time

from fault_injection import inject

from tinynas_tui.executor.protocol import TrialError
from tinynas_tui.core.events import PreflightMeasured, StageFinished, StageStarted, TrialFinished


def prepare(config):
    if config.pipeline.get("broken"):
        raise RuntimeError("cannot load the data")
    if config.pipeline.get("oom_at_load"):
        inject("oom", -1)  # grows without end, as a worker unpacking a zip bomb does
    os.makedirs(config.scratch_dir, exist_ok=True)  # the real pipeline makes it too
    return {"pid": os.getpid(), "scratch": config.scratch_dir, "faults": config.pipeline.get("faults", {})}


def run_trial(request, state, emit):
    params = request.params
    inject(state["faults"].get(request.number), request.number)
    emit(PreflightMeasured(request.number, {"params": 1000 + request.number, "macs": 5000}))
    emit(StageStarted(request.number, "train"))
    time.sleep(float(params.get("sleep", 0)))
    if params.get("fail"):
        raise TrialError("train", params["fail"] if isinstance(params["fail"], str) else "loss became NaN at epoch 1")
    if params.get("boom"):
        raise ValueError("unexpected")
    emit(StageFinished(request.number, "train", 0.0))
    x = float(params.get("x", 1.0))
    path = os.path.join(state["scratch"], f"trial-{request.number}.bin")
    with open(path, "wb") as fh:
        fh.write(b"TFL3" * 8)
    metrics = {
        "worker_pid": state["pid"],
        "worker_rss_mb": float(params.get("rss", 100)),
        "env": {k: os.environ.get(k) for k in ("CUDA_VISIBLE_DEVICES", "TF_CPP_MIN_LOG_LEVEL",
                                                       "TF_FORCE_GPU_ALLOW_GROWTH")},
    }
    artifacts = {"model.tflite": path}
    if params.get("long"):
        metrics["layers"] = long_layers(request.number)
        metrics["arena_error"] = "TFLM: " + "operator not supported; " * 13
        for name in ("model.keras", "extra.bin"):
            artifacts[name] = os.path.join(state["scratch"], f"trial-{request.number}-{name}")
            with open(artifacts[name], "wb") as fh:
                fh.write(name.encode() * 4)
    # ``seed_noise``: the accuracy moves with the trial's number, as a real trial's with its seed.
    accuracy = min(1.0, x / 10) + float(params.get("seed_noise", 0)) * (request.number % 3)
    return TrialFinished(request.number, accuracy=accuracy, size_kb=x, latency_ms=x / 2, metrics=metrics,
                         artifacts=artifacts)


def long_layers(number):
    """A 40-layer summary as `pipeline.models.layer_summary` gives it (~3,600 characters of JSON)."""
    kinds = ["Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D"] * 10
    return [{"name": f"{kind.lower()}_{i}", "type": kind, "output_shape": [None, 8, 8, 16 + number],
             "params": 10 * i} for i, kind in enumerate(kinds)]
