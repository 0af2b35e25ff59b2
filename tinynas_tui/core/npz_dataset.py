"""Read and check a user's dataset ``.npz``: four plain numeric arrays of images and class labels.

Every problem is a one-line `UsageError` of the form ``FILE: what is wrong; expected ...``. Pickled
arrays are never loaded (``allow_pickle=False``): unpickling a file can run arbitrary code.

The checks run at validation time, before a study or runs folder exists, so a bad file is refused by
the CLI and the UI alike rather than in a trial's worker. Shapes and types come from the arrays' headers
first (`npz_headers`), so a file that unpacks to more than memory holds is refused before any of it is.
"""

from __future__ import annotations

import zipfile
from typing import NoReturn

import numpy as np

from tinynas_tui.core.npz_headers import ArrayHeader, Fail, iter_values, read_headers
from tinynas_tui.errors import UsageError

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
MAX_CLASSES = 1000
"""More classes than this is taken for a mistake (ids instead of class indices, say): ImageNet has 1,000,
and a classifier that size does not fit a microcontroller."""

FINITE_CHUNK_BYTES = 16 * 2**20
"""Float images are checked for NaN this many bytes at a time, so checking never holds a whole array."""
NpzArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]


def read_npz(path) -> NpzArrays:
    """Load and check a dataset ``.npz`` (in the trial worker; the parent checks with `check_npz`).

    Args:
        path: The file; it must hold ``x_train``, ``y_train``, ``x_test`` and ``y_test``.

    Returns:
        The raw image arrays, the labels as int64 class indices, and the class count:
        ``(x_train, y_train, x_test, y_test, num_classes)``.

    Raises:
        UsageError: With a one-line message naming the file and the first problem found.
    """
    fail = _failer(path)
    npz_layout(path)  # shapes and types from the headers first: nothing is decompressed for a bad file
    arrays = _load_arrays(path, fail)
    for part in ("train", "test"):
        x = arrays[f"x_{part}"]
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            fail(f"x_{part} contains NaN or infinite values; expected finite pixel values")
    y_train, y_test, num_classes = _labels(arrays["y_train"], arrays["y_test"], fail)
    return arrays["x_train"], y_train, arrays["x_test"], y_test, num_classes


def check_npz(path) -> int:
    """Check a dataset ``.npz`` as `read_npz` does, holding only its labels in memory.

    Float images are read in chunks (for NaN); integer images are not read at all. So the parent process
    checks a file of any size in little memory.

    Returns:
        The class count.

    Raises:
        UsageError: With a one-line message naming the file and the first problem found.
    """
    fail = _failer(path)
    layout = npz_layout(path)
    for part in ("train", "test"):
        if layout[f"x_{part}"].dtype.kind == "f" and not _all_finite(path, f"x_{part}", fail):
            fail(f"x_{part} contains NaN or infinite values; expected finite pixel values")
    labels = _load_arrays(path, fail, keys=("y_train", "y_test"))
    return _labels(labels["y_train"], labels["y_test"], fail)[2]


def npz_layout(path) -> dict[str, ArrayHeader]:
    """The four arrays' shapes and types, read from the file's headers and checked (nothing decompressed).

    Raises:
        UsageError: Not an ``.npz``, a key missing, pickled arrays, a non-numeric type, images of the wrong
            rank, of differing or empty shapes, or not one label per image.
    """
    fail = _failer(path)
    layout = read_headers(path, NPZ_KEYS, fail)
    for key, header in layout.items():
        if header.dtype.kind not in "biuf":
            fail(f"{key} has dtype {header.dtype}; expected integer or float numbers")
    _check_images(layout, fail)
    return layout


def _failer(path) -> Fail:
    where = " ".join(str(path).split())

    def fail(message: str) -> NoReturn:
        raise UsageError(f"{where}: {message}")

    return fail


def _labels(y_train: np.ndarray, y_test: np.ndarray, fail: Fail) -> tuple[np.ndarray, np.ndarray, int]:
    """Both label arrays as int64 class indices, checked against each other; and the class count."""
    y_train, width_train = _class_indices(y_train, "y_train", fail)
    y_test, width_test = _class_indices(y_test, "y_test", fail)
    num_classes = width_train if width_train is not None else int(y_train.max()) + 1
    _check_classes(y_train, num_classes, fail)
    if width_test is not None and width_test != num_classes:
        fail(f"y_test is one-hot with {width_test} columns but y_train has {num_classes} classes; "
             "expected the same classes in both")
    if y_test.max() >= num_classes:
        fail(f"y_test has label {int(y_test.max())} but y_train's classes are 0..{num_classes - 1}; "
             "expected test labels among the training classes")
    return y_train, y_test, num_classes


def _load_arrays(path, fail: Fail, keys: tuple[str, ...] = NPZ_KEYS) -> dict[str, np.ndarray]:
    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as f:
            for key in keys:
                try:
                    arrays[key] = f[key]
                except ValueError as exc:
                    fail(f"cannot read {key} ({' '.join(str(exc).split())[:120]})")
    except (OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        fail(f"not a readable .npz file ({type(exc).__name__}); expected arrays saved with numpy.savez")
    return arrays


def _all_finite(path, key: str, fail: Fail) -> bool:
    """Whether a float member holds no NaN or infinity, read a chunk at a time."""
    return all(np.isfinite(chunk).all() for chunk in iter_values(path, key, FINITE_CHUNK_BYTES, fail))


def _check_images(layout: dict[str, ArrayHeader], fail: Fail) -> None:
    """Image ranks and shapes (no empty side), one label per image, label shapes."""
    for key in ("x_train", "x_test"):
        header = layout[key]
        if header.ndim not in (3, 4):
            fail(f"{key} has rank {header.ndim}, shape {header.shape}; "
                 "expected images shaped (N, H, W) or (N, H, W, C)")
    x_train, x_test = layout["x_train"], layout["x_test"]
    if x_train.shape[1:] != x_test.shape[1:]:
        fail(f"image shapes differ: x_train {x_train.shape[1:]} vs x_test {x_test.shape[1:]}; expected the same")
    if 0 in x_train.shape[1:]:
        fail(f"x_train's images are shaped {x_train.shape[1:]}, which holds no pixel; "
             "expected images of at least 1 pixel in each dimension")
    for part in ("train", "test"):
        x, y = layout[f"x_{part}"], layout[f"y_{part}"]
        if x.shape[0] == 0:
            fail(f"x_{part} is empty; expected at least one sample")
        if y.ndim == 0:
            fail(f"y_{part} is a single number; expected one label per image of x_{part}")
        if x.shape[0] != y.shape[0]:
            fail(f"x_{part} has {x.shape[0]} images but y_{part} has {y.shape[0]} labels; "
                 "expected one label per image")
        if y.ndim > 2 or (y.ndim == 2 and y.shape[1] == 0):
            fail(f"y_{part} has shape {y.shape}; expected labels shaped (N,), (N, 1) or one-hot (N, K)")


def _class_indices(y: np.ndarray, key: str, fail: Fail) -> tuple[np.ndarray, int | None]:
    """Int64 class indices from labels (N,)/(N, 1) or one-hot rows (N, K); K when one-hot."""
    if y.ndim == 2 and y.shape[1] > 1:
        if not np.isfinite(y).all():
            fail(f"{key} contains NaN or infinite values; expected one-hot rows")
        if y.shape[1] > MAX_CLASSES:
            fail(f"{key} is one-hot with {y.shape[1]} columns; expected at most {MAX_CLASSES} classes")
        if not (((y == 0) | (y == 1)).all() and (y.sum(axis=1) == 1).all()):
            fail(f"{key} is shaped {y.shape} but its rows are not one-hot; expected a single 1 in each row, "
                 "the rest 0 (or class indices shaped (N,))")
        return np.argmax(y, axis=1).astype(np.int64), int(y.shape[1])
    if y.ndim not in (1, 2):
        fail(f"{key} has shape {y.shape}; expected labels shaped (N,), (N, 1) or one-hot (N, K)")
    y = y.reshape(-1)
    if y.dtype.kind == "f":
        # Float labels are fine if they hold whole numbers (common after pandas round trips).
        bad = y[~(np.isfinite(y) & (y == np.round(y)))]
        if bad.size:
            fail(f"{key} holds non-integer label {float(bad[0]):g}; expected whole-number class indices or one-hot rows")
    if y.min() < 0:
        fail(f"{key} has negative label {int(y.min())}; expected class indices 0 or more")
    if y.max() >= MAX_CLASSES:
        fail(f"{key} has label {int(y.max())}; expected class indices below {MAX_CLASSES} "
             f"(at most {MAX_CLASSES} classes)")
    return y.astype(np.int64), None


def _check_classes(y_train: np.ndarray, num_classes: int, fail: Fail) -> None:
    """At least two classes, each of 0..K-1 with a training sample (labels count from 0, no gaps)."""
    present = np.unique(y_train)
    if len(present) < 2:
        fail(f"y_train holds only class {int(present[0])}; expected at least 2 classes")
    absent = np.setdiff1d(np.arange(num_classes), present)
    if absent.size:
        shown = ", ".join(str(int(c)) for c in absent[:5])
        more = f" and {absent.size - 5} more" if absent.size > 5 else ""
        what = "class" if absent.size == 1 else "classes"
        fail(f"y_train has no sample of {what} {shown}{more}, though its classes run 0..{num_classes - 1}; "
             "expected every class to have training samples (number the classes from 0, without gaps)")
