"""The knowledge-distillation teacher: the reference notebook's CNN, trained once and cached on disk.

Training the teacher is the most expensive step of a distillation study, and every trial of a study
uses the same one, so it is cached under a key of the data and the training settings; concurrent
workers may race to write it, which is safe because the file is written under a temporary name and
renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from tinynas_tui.paths import user_cache_dir

#: Bump when the architecture or the training recipe changes, so old cached teachers are not reused.
TEACHER_VERSION = 1
#: Fraction of the training set held out to monitor the teacher (the notebook's validation_split).
VALIDATION_FRACTION = 0.2
# One fixed seed: the cache key does not include a seed, so the teacher it names must not depend on one.
_TEACHER_SEED = 0


def default_teacher_dir() -> Path:
    """Where teachers are cached by default: ``<user cache>/teachers``."""
    return user_cache_dir() / "teachers"


def build_teacher(input_shape: tuple[int, ...], num_classes: int) -> Any:
    """Builds and compiles the notebook's teacher CNN.

    Three blocks of two 3x3 ``same`` convolutions (32, 64, 128 filters, He-uniform init, each followed
    by batch normalisation), 2x2 max pooling and dropout (0.2, 0.3, 0.4); then Flatten, Dense 512,
    256 and 128 (ReLU), dropout 0.5 and a softmax head.

    Args:
        input_shape: One image's shape, ``(H, W, C)``; H and W must be at least 8 (three poolings).
        num_classes: Number of classes of the softmax head.

    Returns:
        A tf_keras model compiled with Adam, sparse categorical cross-entropy and accuracy.
    """
    import tf_keras as keras
    from tf_keras import layers

    def conv(filters: int) -> Any:
        return layers.Conv2D(filters, 3, activation="relu", kernel_initializer="he_uniform", padding="same")

    stack: list[Any] = [keras.Input(shape=tuple(input_shape))]
    for filters, rate in ((32, 0.2), (64, 0.3), (128, 0.4)):
        stack += [conv(filters), layers.BatchNormalization(), conv(filters), layers.BatchNormalization(),
                  layers.MaxPooling2D(2), layers.Dropout(rate)]
    stack += [layers.Flatten()]
    stack += [layers.Dense(units, activation="relu", kernel_initializer="he_uniform") for units in (512, 256, 128)]
    stack += [layers.Dropout(0.5), layers.Dense(num_classes, activation="softmax")]
    model = keras.Sequential(stack, name="teacher")
    # Labels are integer class indices in this project, hence the sparse loss (the notebook one-hot).
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def teacher_key(data_fingerprint: str, epochs: int, batch_size: int) -> str:
    """A stable short hex key naming a teacher: data, recipe version, epochs and batch size.

    Args:
        data_fingerprint: ``Dataset.fingerprint()`` of the training data.
        epochs: Training epochs.
        batch_size: Training batch size.

    Returns:
        16 hex digits.
    """
    text = f"{data_fingerprint}|v{TEACHER_VERSION}|epochs={int(epochs)}|batch={int(batch_size)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_or_train_teacher(
    data: Any,
    *,
    epochs: int,
    batch_size: int,
    cache_dir: Path,
    callbacks: list | None = None,
) -> tuple[Any, bool]:
    """Returns the cached teacher for ``data`` and these settings, training and caching it if needed.

    The cache file is ``cache_dir / f"teacher-{key}.h5"`` (HDF5 holds the weights bit for bit, so a
    loaded teacher predicts exactly what the trained one did). A file that cannot be loaded, or that
    does not fit the data's input shape and class count, is deleted and the teacher retrained.

    Training holds out a seeded 20 % of ``data.x_train`` for validation and reseeds the global Python,
    NumPy and TensorFlow generators (so the teacher a key names is reproducible): seed your own stages
    after calling this. Training stops at a NaN loss; such a teacher is returned but never cached
    (check its ``history``).

    Args:
        data: A ``Dataset`` (``x_train``, ``y_train`` integer labels, ``num_classes``, ``fingerprint()``).
        epochs: Training epochs (part of the key).
        batch_size: Training batch size (part of the key).
        cache_dir: Folder of cached teachers; created if missing.
        callbacks: Extra Keras callbacks for training (e.g. a progress reporter); unused when loaded.

    Returns:
        ``(teacher, loaded_from_cache)``; the teacher is compiled.
    """
    import tf_keras as keras

    cache_dir = Path(cache_dir)
    path = cache_dir / f"teacher-{teacher_key(data.fingerprint(), epochs, batch_size)}.h5"
    if path.exists():
        model = _load(path, data)
        if model is not None:
            return model, True
        path.unlink(missing_ok=True)  # Corrupt or foreign: retrain below.

    keras.utils.set_random_seed(_TEACHER_SEED)
    model = build_teacher(data.input_shape, data.num_classes)
    # A seeded split rather than fit(validation_split=...), which takes the tail of the array and so
    # depends on the order the data arrives in.
    order = np.random.default_rng(_TEACHER_SEED).permutation(len(data.x_train))
    n_val = int(round(len(order) * VALIDATION_FRACTION))
    val, train = order[:n_val], order[n_val:]
    history = model.fit(
        data.x_train[train],
        data.y_train[train],
        validation_data=(data.x_train[val], data.y_train[val]) if n_val else None,
        epochs=int(epochs),
        batch_size=int(batch_size),
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN(), *(callbacks or [])],
    )
    losses = history.history.get("loss", [])
    if losses and np.isfinite(losses).all():  # Never cache a teacher whose training diverged.
        try:
            _save_atomically(model, path)
        except OSError:
            pass  # An unwritable cache only costs a retraining next time.
    return model, False


def _load(path: Path, data: Any) -> Any | None:
    """Loads and recompiles a cached teacher; None if the file is unreadable or does not fit ``data``."""
    import tf_keras as keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception:  # h5py and Keras raise many types (OSError, ValueError, KeyError...) on bad files.
        return None
    if tuple(model.input_shape[1:]) != tuple(data.input_shape) or model.output_shape[-1] != data.num_classes:
        return None
    # Compiled afresh (the optimizer is not stored), so evaluate() works as on a freshly trained one.
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _save_atomically(model: Any, path: Path) -> None:
    """Writes ``model`` to a temp file next to ``path`` and renames it, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".h5", dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings():
            # HDF5 is "legacy" for Keras, but it is a single file that round-trips the weights exactly.
            warnings.filterwarnings("ignore", message=".*HDF5 file.*")
            # No optimizer state: the teacher is only ever used for inference, and it triples the file.
            model.save(tmp, save_format="h5", include_optimizer=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
