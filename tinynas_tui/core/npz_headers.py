"""A dataset ``.npz``'s arrays as its file says they are: shapes and types read from each member's ``.npy``
header, without decompressing the data.

A few MB of compressed zeros can unpack to gigabytes, so nothing about a file's size tells how much memory
it takes; its headers do, and reading them costs a few hundred bytes per array.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NoReturn

import numpy as np

Fail = Callable[[str], NoReturn]


@dataclass(frozen=True)
class ArrayHeader:
    """One array of the file: its shape and type, as its header states them."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def nbytes(self) -> int:
        """Bytes the array takes in memory once loaded."""
        return math.prod(self.shape) * self.dtype.itemsize


def read_headers(path, keys: tuple[str, ...], fail: Fail) -> dict[str, ArrayHeader]:
    """The header of each of ``keys`` in the ``.npz`` at ``path`` (members ``KEY.npy``, as numpy.savez
    names them).

    Raises (through ``fail``): not a zip file, a key missing, a header that is not a ``.npy`` one, or an
    array of Python objects (which only unpickling could read).
    """
    if not zipfile.is_zipfile(path):
        fail("not a readable .npz (zip) file; expected arrays saved with numpy.savez")
    try:
        with zipfile.ZipFile(path) as archive:
            members = {name.removesuffix(".npy"): name for name in archive.namelist()}
            missing = [k for k in keys if k not in members]
            if missing:
                fail(f"missing key(s) {', '.join(missing)}; expected {', '.join(keys)}")
            headers = {}
            for key in keys:
                with archive.open(members[key]) as member:
                    headers[key] = _header(member, key, fail)
            return headers
    except (OSError, zipfile.BadZipFile, EOFError, KeyError, NotImplementedError) as exc:
        fail(f"not a readable .npz file ({type(exc).__name__}); expected arrays saved with numpy.savez")


def _header(member, key: str, fail: Fail) -> ArrayHeader:
    fmt = np.lib.format
    try:
        version = fmt.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(member)
        else:  # version 3.0 (utf-8 field names) has no public reader
            shape, _, dtype = fmt._read_array_header(member, version)
    except (ValueError, SyntaxError, EOFError) as exc:
        fail(f"cannot read {key} ({' '.join(str(exc).split())[:120]}); expected arrays saved with numpy.savez")
    if dtype.hasobject:
        fail(f"{key} holds pickled objects, which are never loaded (they can run code); "
             "expected plain numeric arrays")
    return ArrayHeader(tuple(int(d) for d in shape), dtype)


def iter_values(path, key: str, chunk_bytes: int, fail: Fail) -> Iterator[np.ndarray]:
    """The values of member ``key``, flat, about ``chunk_bytes`` at a time (never the whole array)."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.removesuffix(".npy") == key)
        with archive.open(name) as member:
            dtype = _header(member, key, fail).dtype
            itemsize = dtype.itemsize
            step = max(1, chunk_bytes // itemsize) * itemsize
            rest = b""
            while chunk := member.read(step):
                chunk = rest + chunk
                usable = len(chunk) - len(chunk) % itemsize
                rest = chunk[usable:]
                yield np.frombuffer(chunk, dtype=dtype, count=usable // itemsize)
