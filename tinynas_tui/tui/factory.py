"""The one place an app is built, for the CLI and for tests alike."""

from __future__ import annotations

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.seed_repeats import DEFAULT_REPEATS
from tinynas_tui.tui.engine_api import Engine
from tinynas_tui.tui.app import TinyNasApp


def create_app(engine: Engine, *, trials: int = 5, paused: bool = False, weights: Weights | None = None,
               budgets: Budgets | None = None, confirm_top: int = 0,
               confirm_repeats: int = DEFAULT_REPEATS) -> TinyNasApp:
    """An app on ``engine`` that adds ``trials`` trials unless opened ``paused`` (and with ``confirm_top``,
    confirms the front's best trials with other seeds once they have run)."""
    return TinyNasApp(engine, trials=trials, paused=paused, weights=weights, budgets=budgets,
                      confirm_top=confirm_top, confirm_repeats=confirm_repeats)
