"""TensorFlow thread pools of a trial worker, sized so that several workers can share the cores."""

from __future__ import annotations

import os


def configure_threads(threads: int | None, inter_op: int | None = None) -> None:
    """Sizes TensorFlow's intra-op and inter-op thread pools for this process.

    Call it in the worker before TensorFlow runs its first op (``prepare`` does, with
    ``WorkerConfig.threads``); a runner starting N workers on C cores passes ``max(1, C // N)``.
    LiteRT and TFLite Micro measurements run on one thread whatever this says.

    Measured on the seed search (mnist-5k, 1 epoch, 2 busy cores; ``bench/trial_stages.py --threads``):
    a trial took no longer with 1 thread than with 2 (median 1.2 s against 1.4-1.7 s wall, 1.0 s
    against 1.3 s CPU): a small CNN's ops are too short to split, so one worker per core is how the
    cores pay.

    Args:
        threads: Intra-op threads (one op's parallel work), >= 1; None leaves TensorFlow's defaults
            (one per core for both pools).
        inter_op: Inter-op threads (independent ops at once); None: 1 with one intra-op thread, else 2.

    Raises:
        ValueError: A thread count below 1.
        RuntimeError: TensorFlow's runtime already started with other pool sizes (set them before the
            first op; a process cannot resize them).
    """
    if threads is None:
        return
    inter = inter_op if inter_op is not None else (1 if threads == 1 else 2)
    if threads < 1 or inter < 1:
        raise ValueError(f"thread counts must be >= 1, got intra-op {threads} and inter-op {inter}")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow as tf

    threading = tf.config.threading
    if (threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads()) == (threads, inter):
        return
    try:
        threading.set_intra_op_parallelism_threads(threads)
        threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError as err:
        raise RuntimeError(f"cannot size TensorFlow's thread pools to {threads} intra-op and {inter} inter-op "
                           f"threads after the runtime started: {err}") from err
