"""The weights and budgets the table ranks by, kept with the study, and budgets applied to the study.

A mixin of `TinyNasApp`. What the user sets in the weights panel is stored with the open study a second
after the last change (in a thread; not on every keystroke), and comes back when the study is opened
again: at start-up unless ``--weights`` or budget options were given, and whenever the switcher opens it.
"Apply budgets" (ctrl+b, or the panel's button) makes the panel's budgets the study's own, so that its new
trials over them are skipped before training; until then budgets only re-rank.
"""

from __future__ import annotations

import traceback
from typing import Any

from textual import work
from textual.message import Message

from tinynas_tui.core.budgets import Budgets, limit_text
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.messages import EngineFailed
from tinynas_tui.tui.screens.confirm import ConfirmScreen

SAVE_AFTER_S = 1.0


class BudgetsApplied(Message):
    """The engine made these budgets the study's own; ``info`` is the study's new description."""

    def __init__(self, info: Any) -> None:
        super().__init__()
        self.info = info


def budgets_text(budgets: Budgets) -> str:
    """``flash ≤ 256 KiB, latency ≤ 5 ms``, or ``none``."""
    return ", ".join(limit_text(name, limit) for name, _, limit in budgets.limits()) or "none"


def ranking_basis(info: Any, weights: Weights, budgets: Budgets, keep_weights: bool,
                  keep_budgets: bool) -> tuple[Weights, Budgets]:
    """What to rank a study just opened by: what was given (``keep_*``), else what is stored with it (the
    budgets: the UI's, else the study's own), else what the app ranks by now."""
    if not keep_weights and info.saved_weights is not None:
        weights = info.saved_weights
    if not keep_budgets:
        if info.saved_budgets is not None:
            budgets = info.saved_budgets
        elif info.study_budgets.any:
            budgets = info.study_budgets
    return weights, budgets


class StudyRanking:
    """Keeps the weights and budgets with the study; applies the budgets to its new trials."""

    engine: Any
    info: Any
    weights: Weights
    budgets: Budgets
    _weights_given: bool
    _budgets_given: bool

    def _basis_for(self, info: Any, fresh: bool) -> tuple[Weights, Budgets]:
        """The weights and budgets for a study just opened (``fresh``: by the switcher or a space edit,
        where the command line's options no longer hold)."""
        return ranking_basis(info, self.weights, self.budgets, self._weights_given and not fresh,
                             self._budgets_given and not fresh)

    # -- stored with the study -------------------------------------------------------------------

    def _ranking_changed(self) -> None:
        """The user changed the weights or budgets: store them a moment after the last change."""
        self._unsaved = (self.weights, self.budgets)
        timer = getattr(self, "_save_timer", None)
        if timer is not None:
            timer.stop()
        self._save_timer = self.set_timer(SAVE_AFTER_S, self._save_now)

    def _pending_ranking(self) -> tuple[Weights, Budgets] | None:
        """What is not stored yet (taken: the caller stores it), stopping the timer."""
        timer = getattr(self, "_save_timer", None)
        if timer is not None:
            timer.stop()
        pending, self._unsaved = getattr(self, "_unsaved", None), None
        return pending

    def _save_now(self) -> None:
        pending = self._pending_ranking()
        if pending is not None and self.info is not None:
            self._save_ranking(*pending)

    @work(thread=True, group="ranking", exit_on_error=False)
    def _save_ranking(self, weights: Weights, budgets: Budgets) -> None:
        try:
            self.engine.save_ranking(weights, budgets)
        except Exception as err:  # noqa: BLE001 - the ranking stands; only its keeping failed
            self.post_message(EngineFailed("Cannot store the weights with the study", err, traceback.format_exc()))

    def _flush_ranking(self) -> None:
        """On the way out: store what the timer has not yet (blocking; one small write)."""
        pending = self._pending_ranking()
        if pending is not None and self.info is not None:
            try:
                self.engine.save_ranking(*pending)
            except Exception:  # noqa: BLE001 - the app is ending; nothing left to tell
                pass

    def _show_ranking(self) -> None:
        """The weights panel shows what the table ranks by, and what the study's own budgets are."""
        from tinynas_tui.tui.widgets.weights_panel import WeightsPanel

        for panel in self.query(WeightsPanel):
            panel.show(self.weights, self.budgets, self.info.study_budgets if self.info else Budgets())

    # -- applied to the study --------------------------------------------------------------------

    def on_weights_panel_apply_requested(self, message: Any) -> None:
        self.action_apply_budgets()

    def action_apply_budgets(self) -> None:
        if self.info is None:
            return
        budgets, name = self.budgets, self.info.study_name
        if budgets == self.info.study_budgets:
            self.notify(f"Study {name} has these budgets already ({budgets_text(budgets)}).")
            return
        if budgets.any:
            question = (f"Make {budgets_text(budgets)} the budgets of study {name}? New trials over these "
                        "budgets are skipped before training (pre-flight) and recorded as infeasible; trials "
                        "already run are kept. A run in progress uses them from its next trial, and so does "
                        "every worker that joins the study.")
        else:
            question = (f"Remove the budgets of study {name} ({budgets_text(self.info.study_budgets)})? New "
                        "trials are no longer skipped or recorded as infeasible for a budget; trials already "
                        "run are kept.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply_budgets(budgets)

        self.push_screen(ConfirmScreen("Apply the budgets to the study?", question, yes="Apply"), answered)

    @work(thread=True, group="ranking", exit_on_error=False)
    def _apply_budgets(self, budgets: Budgets) -> None:
        try:
            info = self.engine.apply_budgets(budgets)
        except Exception as err:
            self.post_message(EngineFailed("Cannot apply the budgets to the study", err, traceback.format_exc()))
            return
        self.post_message(BudgetsApplied(info))

    def on_budgets_applied(self, message: BudgetsApplied) -> None:
        if self.info is None or message.info.study_name != self.info.study_name:
            return  # another study was opened meanwhile
        self.info = message.info
        self._show_ranking()
        budgets = message.info.study_budgets
        self.notify(f"Study {message.info.study_name}: new trials are checked against {budgets_text(budgets)}."
                    if budgets.any else f"Study {message.info.study_name} has no budgets now.",
                    title="Budgets applied")
