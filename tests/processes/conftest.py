"""Fixtures of the process tests."""

from __future__ import annotations

import pytest

from tinynas_tui.run.engine import OptunaEngine
from tinynas_tui.run.options import RunOptions, validate


@pytest.fixture
def engine(tmp_path):
    """The UI's real engine on a fresh SQLite study ``s`` in ``tmp_path/runs`` (not opened yet)."""
    engine = OptunaEngine(validate(RunOptions(runs_dir=str(tmp_path / "runs"), study="s")))
    yield engine
    engine.close()
