"""Checks on a Keras fit's outcome that every training stage of a trial shares."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinynas_tui.executor.protocol import TrialError


def require_finite(history: Any, stage: str) -> None:
    """Stop at a NaN loss: such a model is never converted or exported."""
    losses = history.history.get("loss", [])
    if not losses or not all(np.isfinite(losses)):
        epoch = next((i + 1 for i, v in enumerate(losses) if not np.isfinite(v)), 1)
        raise TrialError(stage, f"loss became NaN at epoch {epoch}; the model is not converted")
