"""What dataset to load, checked without loading it: names, ``.npz`` paths and sample counts.

Kept apart from `datasets` (which needs NumPy to load and prepare arrays) so that checking a user's
options, which the UI does before its first frame, imports nothing heavy for the built-in datasets.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from tinynas_tui.errors import UsageError

KERAS_DATASETS = ("mnist", "fashion-mnist", "cifar10", "cifar10-gray")
BUILTIN_DATASETS = ("mnist-5k",) + KERAS_DATASETS


@dataclass(frozen=True)
class DatasetSpec:
    """What to load: a builtin name or an absolute ``.npz`` path, plus sampling options."""

    name: str
    train_samples: int | None = None
    test_samples: int | None = None
    seed: int = 0

    @property
    def label(self) -> str:
        """Short name for study names: the builtin name, or the ``.npz`` file stem."""
        return Path(self.name).stem if self.is_npz else self.name

    @property
    def is_npz(self) -> bool:
        """Whether ``name`` is a path to a user ``.npz`` file rather than a builtin name."""
        return self.name not in BUILTIN_DATASETS

    def to_dict(self) -> dict:
        """A JSON-friendly dict; :meth:`from_dict` reverses it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> DatasetSpec:
        """Rebuild a spec from :meth:`to_dict` output."""

        def opt_int(value):
            return None if value is None else int(value)

        return cls(
            name=str(d["name"]),
            train_samples=opt_int(d.get("train_samples")),
            test_samples=opt_int(d.get("test_samples")),
            seed=int(d.get("seed", 0)),
        )


def parse_dataset_spec(
    name_or_path: str, train_samples: int | None = None, test_samples: int | None = None, seed: int = 0,
    memory_limit_mb: float | None = None,
) -> DatasetSpec:
    """Turn the user's dataset argument into a validated :class:`DatasetSpec`.

    Args:
        name_or_path: A builtin name, or a path to a ``.npz`` file (anything ending in ``.npz``
            or containing a path separator).
        train_samples: Optional positive number of training samples to subsample.
        test_samples: Optional positive number of test samples to subsample.
        seed: Seed for subsampling and the training-set shuffle.
        memory_limit_mb: A ``.npz`` whose trial worker would need more memory than this (``--trial-memory-mb``)
            is refused, from its headers, before any array is read (None: not checked).

    Returns:
        The spec; a path is resolved to an absolute path.

    Raises:
        UsageError: Unknown name, missing/unreadable/invalid file, or bad sample counts.
    """
    for what, value in (("train_samples", train_samples), ("test_samples", test_samples)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise UsageError(f"{what} must be a positive integer, got {value!r}")
    text = str(name_or_path).strip()
    if text in BUILTIN_DATASETS:
        return DatasetSpec(text, train_samples, test_samples, int(seed))
    separators = [s for s in (os.sep, os.altsep, "/") if s]
    if not (text.lower().endswith(".npz") or any(s in text for s in separators)):
        raise UsageError(
            f"unknown dataset {text!r}: expected one of {', '.join(BUILTIN_DATASETS)} or a path to a .npz file"
        )
    path = Path(text).expanduser().resolve()
    if not path.exists():
        raise UsageError(f"dataset file not found: {_one_line(path)}")
    if not path.is_file() or not os.access(path, os.R_OK):
        raise UsageError(f"dataset path is not a readable file: {_one_line(path)}")
    validate_npz(path, train_samples, test_samples, memory_limit_mb)
    return DatasetSpec(str(path), train_samples, test_samples, int(seed))


def validate_npz(path, train_samples: int | None = None, test_samples: int | None = None,
                 memory_limit_mb: float | None = None) -> None:
    """Check that ``path`` is a usable dataset ``.npz`` that a trial worker can hold in ``memory_limit_mb``.

    Raises:
        UsageError: With a one-line message naming the file and the first problem found (see
            `tinynas_tui.core.npz_dataset.read_npz` for the rules, `tinynas_tui.core.dataset_memory` for
            the memory).
    """
    from tinynas_tui.core.dataset_memory import check_fits
    from tinynas_tui.core.npz_dataset import check_npz, npz_layout

    layout = npz_layout(path)
    check_fits(layout, train_samples, test_samples, memory_limit_mb, _one_line(path))
    check_npz(path)




def _one_line(value) -> str:
    return " ".join(str(value).split())
