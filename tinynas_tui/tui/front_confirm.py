"""Confirming the front from the UI: its best trials run again with other seeds (`core.seed_repeats`).

A mixin of `TinyNasApp`. ``k`` asks first, saying which trials and how many repeats; ``--confirm K`` on the
command line confirms without asking each time the UI's run reaches its target, as a headless run does
after its trials. The study process ranks the front again from storage by the weights and budgets the
table shows (the plan here is only what the question says), queues the repeats and runs them like any
trial; a `ConfirmPlanned` event says what it runs, and the target grows by that many.
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.core.events import ConfirmPlanned
from tinynas_tui.core.seed_repeats import DEFAULT_TOP
from tinynas_tui.tui.run_state import IDLE, RunState
from tinynas_tui.tui.screens.confirm import ConfirmScreen


class FrontConfirming:
    """``k``: run the front's best trials again with other seeds; ``--confirm K``: do so at each run's end."""

    engine: Any
    state: RunState
    target: int
    book: Any
    ranking: Any
    weights: Any
    budgets: Any
    confirm_top: int
    """``--confirm K`` (0: the UI confirms only when asked, the top `DEFAULT_TOP`)."""
    confirm_repeats: int
    confirming: bool
    """The run in progress (or the last one) is a confirmation."""
    _pause_requested: bool
    _stop_requested: bool
    _more_pending: bool
    _drive_engine: Any  # the app's thread that runs an engine call and posts its events

    def action_confirm_front(self) -> None:
        if self.state not in IDLE:
            opening = self.state in (RunState.OPENING, RunState.FAILED)
            self.notify("The study is not open yet" if opening else
                        "A run is in progress: confirm the front once it has paused or finished (p pauses).",
                        title="Confirm the front")
            return
        top = self.confirm_top or DEFAULT_TOP
        plan = self.book.confirm_plan(self.ranking, top, self.confirm_repeats)
        if plan.to_enqueue == 0:
            self.notify(plan.line(0), title="Confirm the front")
            return

        def answered(yes: bool | None) -> None:
            if yes and self.state in IDLE:
                self._start_confirm(top)

        question = (f"{plan.line(plan.to_enqueue)}. Each repeat is a new trial with the same parameters and "
                    "another seed: size and latency stay, the accuracy over the seeds shows how much is luck. "
                    "Repeats stay out of the ranking and the front.")
        self.push_screen(ConfirmScreen("Confirm the front?", question, yes="Confirm"), answered)

    def _confirm_after_run(self) -> None:
        """``--confirm K``: the run reached its target by itself, so confirm now."""
        if self.confirm_top <= 0 or self.state != RunState.FINISHED:
            return
        # Nothing new on the front to confirm: no run is started only to say so.
        if self.book.confirm_plan(self.ranking, self.confirm_top, self.confirm_repeats).to_enqueue:
            self._start_confirm(self.confirm_top)

    def _start_confirm(self, top: int) -> None:
        self._pause_requested = self._stop_requested = self._more_pending = False
        self.confirming = True  # its end starts no other confirmation (a repeat that failed would loop)
        self._set_state(RunState.RUNNING)
        repeats, weights, budgets = self.confirm_repeats, self.weights, self.budgets
        self._drive_engine(lambda on_event: self.engine.confirm(top, repeats, weights, budgets, on_event))

    def _confirm_planned(self, event: ConfirmPlanned) -> None:
        """What the study process confirms: said in a toast, and the target grows by its repeats."""
        self.target += event.to_run
        self._update_status()
        self.notify(event.line, title="Confirm the front", timeout=8)
