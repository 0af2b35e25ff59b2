"""Every filesystem location the program uses, built in one place."""

from __future__ import annotations

import os
from pathlib import Path

from tinynas_tui import PROG

DEFAULT_RUNS_DIR = Path("tinynas-runs")
DEFAULT_DB_NAME = "tinynas.db"


def user_cache_dir() -> Path:
    """The per-user cache folder (datasets, teachers); honours ``XDG_CACHE_HOME``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / PROG


def dataset_cache_dir() -> Path:
    """Where parsed datasets are cached as ``.npz``."""
    return user_cache_dir() / "datasets"


def default_storage_url(runs_dir: Path = DEFAULT_RUNS_DIR) -> str:
    """The SQLite URL of the default study database inside ``runs_dir``."""
    return f"sqlite:///{runs_dir / DEFAULT_DB_NAME}"


def artifacts_dir(runs_dir: Path) -> Path:
    """Where the artifact store keeps each completed trial's files."""
    return runs_dir / "artifacts"


def logs_dir(runs_dir: Path) -> Path:
    """Where trial workers write their TensorFlow and converter output."""
    return runs_dir / "logs"


def scratch_dir(runs_dir: Path) -> Path:
    """Where a worker writes a trial's files before the artifact store takes them."""
    return runs_dir / "scratch"
