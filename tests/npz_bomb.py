"""A real zip bomb ``.npz``: arrays of zeros that unpack to gigabytes from a file of a few MB, written by
streaming zeros through a deflating zip member, so the test itself never holds the array."""

from __future__ import annotations

import math
import zipfile

import numpy as np

_ZEROS = bytes(16 * 2**20)


def write_bomb(path, n_train: int, image: tuple[int, ...], n_test: int = 10, classes: int = 2) -> int:
    """Write ``x_train`` (n_train, *image) uint8 zeros and small valid labels and test arrays; returns the
    unpacked size of ``x_train`` in bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _write_zeros(archive, "x_train", (n_train, *image))
        _write_array(archive, "y_train", np.arange(n_train) % classes)
        _write_array(archive, "x_test", np.zeros((n_test, *image), np.uint8))
        _write_array(archive, "y_test", np.arange(n_test) % classes)
    return n_train * math.prod(image)


def _write_zeros(archive: zipfile.ZipFile, key: str, shape: tuple[int, ...]) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)), "fortran_order": False, "shape": shape}
    with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
        np.lib.format.write_array_header_1_0(member, header)
        left = math.prod(shape)
        while left:
            chunk = min(left, len(_ZEROS))
            member.write(_ZEROS[:chunk])
            left -= chunk


def _write_array(archive: zipfile.ZipFile, key: str, array: np.ndarray) -> None:
    with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
