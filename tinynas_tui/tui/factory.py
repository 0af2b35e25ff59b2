"""The one place an app is built, for the CLI and for tests alike."""

from __future__ import annotations

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.engine_api import Engine
from tinynas_tui.tui.app import TinyNasApp


def create_app(engine: Engine, *, trials: int = 5, paused: bool = False, weights: Weights | None = None,
               budgets: Budgets | None = None) -> TinyNasApp:
    """An app on ``engine`` that adds ``trials`` trials unless opened ``paused``."""
    return TinyNasApp(engine, trials=trials, paused=paused, weights=weights, budgets=budgets)
