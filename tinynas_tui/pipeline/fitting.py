"""What a training fit sees: augmented batches, a held-out validation part, early stopping. Runs in the
trial worker.

Augmentation lives in the input pipeline (a ``tf.data`` map over whole batches), never in the model, so
the converted model, its size and its latency are those of the model alone, and the calibration,
validation and test images are never augmented. The validation part is cut from the training set only:
the test split is what a trial's accuracy is measured on, so it never chooses an epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinynas_tui.core import figures
from tinynas_tui.core.pipeline_config import PipelineConfig

VALIDATION_SEED = 0
"""One seed for every trial: all of a study's trials are stopped on the same held-out images."""
REDUCE_LR_FACTOR = 0.5
REDUCE_LR_MIN = 1e-5


def validation_split(y: np.ndarray, fraction: float, seed: int = VALIDATION_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) of a seeded, stratified split of the labels ``y``.

    Each class gives ``round(fraction * n)`` of its ``n`` samples (at least one, and never all of them
    when it has two or more), so a small class is still watched and still trained on.

    Returns:
        Two sorted int64 index arrays, disjoint, together ``range(len(y))``.

    Raises:
        ValueError: The split would leave no training or no validation sample.
    """
    y = np.asarray(y).reshape(len(y), -1)
    labels = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
    rng = np.random.default_rng(seed)
    held: list[np.ndarray] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < 2:
            continue  # a class of one sample is only trained on
        count = min(max(1, int(round(fraction * len(members)))), len(members) - 1)
        held.append(rng.choice(members, size=count, replace=False))
    val = np.sort(np.concatenate(held)) if held else np.zeros(0, dtype=np.int64)
    train = np.setdiff1d(np.arange(len(labels)), val)
    if not len(val) or not len(train):
        raise ValueError(f"validation_split {fraction:g} of {len(labels)} samples leaves no "
                         f"{'validation' if not len(val) else 'training'} sample")
    return train.astype(np.int64), val.astype(np.int64)


def random_affine(images: Any, seed: Any, shift: float, rotation_degrees: float, zoom: float) -> Any:
    """Each image of a batch (N, H, W, C) moved by its own random affine transform: one resampling.

    A shift of up to ``shift`` pixels on each axis, a rotation of up to ``rotation_degrees`` either way and
    a zoom of up to ``zoom`` in or out, about the image centre, composed into one bilinear resampling
    (three Keras layers would resample three times: blurrier, and three times the work). Pixels from
    outside the image take the nearest edge pixel's value. ``seed`` is a stateless seed (two int64s), so
    the same seed gives the same transforms.
    """
    import tensorflow as tf

    count = tf.shape(images)[0]
    height, width = tf.cast(tf.shape(images)[1], tf.float32), tf.cast(tf.shape(images)[2], tf.float32)
    seeds = tf.random.experimental.stateless_split(seed, 4)

    def uniform(index: int, limit: float) -> Any:
        return tf.random.stateless_uniform([count], seeds[index], -limit, limit)

    angle = uniform(0, math.radians(rotation_degrees))
    scale = 1.0 + uniform(1, zoom)
    dx, dy = uniform(2, shift), uniform(3, shift)
    # Output pixel p comes from input pixel M (p - c - t) + c, with M = R(-angle) / scale, c the centre.
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    cx, cy = (width - 1.0) / 2.0, (height - 1.0) / 2.0
    a2 = cx - cos * (cx + dx) - sin * (cy + dy)
    b2 = cy + sin * (cx + dx) - cos * (cy + dy)
    zeros = tf.zeros_like(cos)
    transforms = tf.stack([cos, sin, a2, -sin, cos, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3], fill_value=0.0,
        interpolation="BILINEAR", fill_mode="NEAREST")


def augmented_batches(x: np.ndarray, y: np.ndarray, batch_size: int, cfg: PipelineConfig, seed: int,
                      shuffle: bool = True) -> Any:
    """A ``tf.data`` pipeline of (augmented images, labels) batches, reshuffled and re-augmented each epoch.

    Only labels travel with the images: a distillation's teacher runs on each augmented batch, since its
    outputs on the original image would not describe the one the student sees. ``shuffle=False`` keeps
    the order (a curriculum).
    """
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((x.astype(np.float32), y))
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    batches = tf.data.Dataset.zip((data.batch(batch_size), seeds))

    def augment(batch: Any, pair: Any) -> Any:
        images, labels = batch
        return random_affine(images, pair, float(cfg.augment_shift), cfg.augment_rotation, cfg.augment_zoom), labels

    return batches.map(augment, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


@dataclass
class FitPlan:
    """The arguments of one ``fit``: its inputs, validation data and the callbacks that stop it.

    Attributes:
        inputs: ``fit``'s keyword arguments for the training data (``x``, ``y``, ``batch_size``,
            ``shuffle``), or a ``tf.data`` pipeline as ``x`` when augmenting.
        validation: ``(x_val, y_val)`` held out of the training set, or None without early stopping.
        callbacks: Early stopping and the learning-rate schedule, as the pipeline asks.
        train_indices, validation_indices: Which training samples each part is (None: all are trained on).
    """

    inputs: dict[str, Any]
    validation: tuple[np.ndarray, np.ndarray] | None = None
    callbacks: list[Any] = field(default_factory=list)
    train_indices: np.ndarray | None = None
    validation_indices: np.ndarray | None = None

    @property
    def early_stopping(self) -> Any:
        return next((c for c in self.callbacks if type(c).__name__ == "EarlyStopping"), None)


def fit_plan(cfg: PipelineConfig, x: np.ndarray, y: np.ndarray, batch_size: int, seed: int,
             order: np.ndarray | None = None) -> FitPlan:
    """How to fit on the training arrays ``x``, ``y`` under ``cfg``'s augmentation and early stopping.

    Args:
        cfg: The pipeline settings.
        x, y: The training set only (never the test split).
        batch_size: The trial's batch size.
        seed: The shuffle and augmentation seed of this fit.
        order: Train in this order of indices, unshuffled (a curriculum); None: shuffled each epoch.
    """
    import tf_keras as keras

    train = np.arange(len(x)) if order is None else np.asarray(order)
    plan = FitPlan(inputs={})
    if cfg.early_stopping:
        kept, held = validation_split(y, cfg.validation_split)
        train = train[np.isin(train, kept)]  # keeps a curriculum's order
        plan.train_indices, plan.validation_indices = kept, held
        plan.validation = (x[held], y[held])
        plan.callbacks.append(keras.callbacks.EarlyStopping(
            monitor=cfg.early_stopping_monitor, patience=cfg.patience, restore_best_weights=True))
        if cfg.reduce_lr:
            plan.callbacks.append(keras.callbacks.ReduceLROnPlateau(
                monitor=cfg.early_stopping_monitor, factor=REDUCE_LR_FACTOR, patience=cfg.reduce_lr_patience,
                min_lr=REDUCE_LR_MIN))
    if cfg.augment:
        plan.inputs = {"x": augmented_batches(x[train], y[train], batch_size, cfg, seed, shuffle=order is None)}
    elif cfg.early_stopping or order is not None:
        plan.inputs = {"x": x[train], "y": y[train], "batch_size": batch_size, "shuffle": order is None}
    else:  # the plain fit of older studies, unchanged
        plan.inputs = {"x": x, "y": y, "batch_size": batch_size}
    return plan


def convergence_figures(plan: FitPlan, history: Any) -> dict[str, Any]:
    """What a fit with early stopping recorded: its best epoch and that epoch's validation accuracy."""
    stopper = plan.early_stopping
    accuracies = history.history.get("val_accuracy") or []
    if stopper is None or not accuracies:
        return {}
    best = min(int(stopper.best_epoch), len(accuracies) - 1)
    return {figures.BEST_EPOCH: best + 1, figures.VALIDATION_ACCURACY: float(accuracies[best]),
            figures.VALIDATION_SAMPLES: int(len(plan.validation_indices))}
