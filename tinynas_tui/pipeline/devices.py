"""The device a trial worker trains on: its GPU set to grow its memory as needed, or the CPU.

The worker's environment already names the GPUs it may use (``CUDA_VISIBLE_DEVICES``, from ``--gpus``)
and asks TensorFlow to grow GPU memory (``TF_FORCE_GPU_ALLOW_GROWTH``); setting memory growth here too
covers a user's environment that set the variable otherwise, and must happen before TensorFlow's first
op, as the thread pools must (`prepare` calls both first).
"""

from __future__ import annotations

import os

CPU = "CPU"


def configure_gpus() -> str:
    """Let every GPU this process sees grow its memory; return where training runs, e.g. "GPU 1
    (NVIDIA H200)" (the ordinal the machine knows it by) or "CPU"."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return CPU
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # the runtime started already: growth stays as the environment set it
            pass
    return describe(gpus[0], tf.config.experimental.get_device_details(gpus[0]).get("device_name"),
                    os.environ.get("CUDA_VISIBLE_DEVICES"))


def describe(gpu: object, name: str | None, visible: str | None) -> str:
    """``GPU N (name)``: TensorFlow trains on the first GPU it sees, which is the first of
    ``CUDA_VISIBLE_DEVICES`` when that is set, so N is the machine's ordinal, not TensorFlow's."""
    first = (visible or "").split(",")[0].strip()
    ordinal = first if first.isdigit() else str(getattr(gpu, "name", "GPU:0")).rsplit(":", 1)[-1]
    return f"GPU {ordinal}" + (f" ({name})" if name else "")
