"""Writing a planned export: all of it or, when a file exists and ``force`` is not given, nothing.

Each file goes through a temporary file in the same folder and ``os.replace``, so a file is either the
old one or the complete new one.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from tinynas_tui.errors import UsageError
from tinynas_tui.export.files import exists, inside
from tinynas_tui.export.plan import ExportPlan


def write_export(plan: ExportPlan, force: bool = False) -> list[Path]:
    """Write every file of ``plan``; return their paths (``out_dir / name``), in order.

    Existence is checked again first: if any file exists and ``force`` is False, nothing is written and
    `UsageError` names the first one. Each file is written to a temporary file in the output folder and
    moved over the target with ``os.replace`` (an existing symlink is replaced, never written through).

    Raises:
        UsageError: A file exists (without ``force``); a path resolves outside the folder; the folder or a
            file cannot be written.
    """
    if not plan.files:
        return []
    out_dir = plan.out_dir
    if exists(out_dir) and not out_dir.is_dir():
        raise UsageError(f"cannot export to {out_dir}: it is not a folder")
    out_root = out_dir.resolve()
    paths = [inside(out_root, out_dir, name) for name in plan.files]
    existing = [p for p in paths if exists(p)]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UsageError(f"{existing[0]} exists already{more}; use --force to overwrite")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create {out_dir}: {err.strerror or err}") from None
    written = []
    for path, planned in zip(paths, plan.files.values()):
        _write_atomic(path, planned.produce())
        written.append(path)
    return written


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # O_EXCL: never follows or reuses an existing name; 0o666 so the umask decides, as for any new file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as err:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from None
