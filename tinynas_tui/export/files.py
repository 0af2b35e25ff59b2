"""File names and path safety for an export: nothing is ever written outside the output folder.

File names come from the study name, made safe by `safe_name`, and the trial number; every path is
checked to resolve to a file directly inside the output folder (a symlink pointing out of it is
refused).
"""

from __future__ import annotations

import re
from pathlib import Path

from tinynas_tui.errors import UsageError

MAX_NAME_LENGTH = 80


def safe_name(text: str) -> str:
    """A study name as a safe file-name stem: ASCII letters, digits, ``_``, ``-`` and single dots.

    Any other run of characters (``/``, ``\\``, spaces, ...) and any run of dots become ``_``; leading
    and trailing ``.``, ``-`` and ``_`` go (no hidden files, nothing that reads as an option); the result
    is cut to `MAX_NAME_LENGTH` and is ``study`` if nothing is left. ``../../etc`` gives ``etc``.
    """
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)
    name = re.sub(r"\.{2,}", "_", name)
    name = re.sub(r"_{2,}", "_", name).strip("._-")
    return name[:MAX_NAME_LENGTH].rstrip("._-") or "study"


def inside(out_root: Path, out_dir: Path, name: str) -> Path:
    """``out_dir / name``, refused unless it resolves to a file directly inside ``out_root``."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise UsageError(f"refusing to write {name!r}: not a plain file name")
    path = out_dir / name
    resolved = path.resolve()
    if not resolved.is_relative_to(out_root) or resolved == out_root:
        raise UsageError(f"refusing to write {path}: it resolves to {resolved}, outside {out_dir}")
    return path


def exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()
