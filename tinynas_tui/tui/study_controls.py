"""Running, pausing, stopping and quitting the study: the app's study controls.

A mixin of `TinyNasApp` (it uses the app's engine, state, target and screens). Stopping and quitting
while a trial runs ask first; whichever way the app ends, no trial outlives it.
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.tui.messages import StudyRunEnded
from tinynas_tui.tui.run_state import ACTIVE, IDLE, STOPPABLE, RunState
from tinynas_tui.tui.screens.confirm import ConfirmScreen

MORE_TRIALS = 5


class StudyControls:
    """F5 run, F6 pause, F8 stop, F7 five more trials, ctrl+q quit."""

    engine: Any
    state: RunState
    target: int
    quitting: bool
    _pause_requested: bool
    _stop_requested: bool
    _more_pending: bool
    confirming: bool

    def on_study_run_ended(self, message: StudyRunEnded) -> None:
        if self.quitting:
            self._close_and_exit()
            return
        more = self._more_pending and not (message.failed or self._pause_requested or self._stop_requested)
        if self._stop_requested:
            self._set_state(RunState.STOPPED)
        elif self._pause_requested:
            self._set_state(RunState.PAUSED)
        else:
            self._set_state(RunState.FINISHED if self._finished() >= self.target else RunState.PAUSED)
        self._pause_requested = self._stop_requested = self._more_pending = False
        confirmed, self.confirming = self.confirming, False
        if more:
            self.action_start()
        elif not confirmed and not message.failed:
            self._confirm_after_run()  # --confirm K: the run reached its target

    def action_start(self) -> None:
        if self.state not in IDLE:
            return
        remaining = self.target - self._finished()
        if remaining <= 0:
            self.notify("The target is reached; press + (F7) for more trials.")
            return
        self._pause_requested = self._stop_requested = self._more_pending = False
        self._set_state(RunState.RUNNING)
        self._run_study(remaining)

    def action_pause(self) -> None:
        if self.state == RunState.RUNNING:
            self._pause_requested = True
            self.engine.request_pause()
            self._set_state(RunState.PAUSING)

    def action_stop(self) -> None:
        if self.state not in STOPPABLE:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.state in STOPPABLE:
                self._stop_requested = True
                self.engine.abort()
                self._set_state(RunState.STOPPING)

        self.push_screen(ConfirmScreen("Stop the study?", "The running trial ends now and is recorded as "
                                       "failed (stopped). Completed trials are kept.", yes="Stop"), answered)

    def action_more_trials(self) -> None:
        self.target += MORE_TRIALS
        self._update_status()
        if self.state in IDLE:
            self.action_start()
            return
        if self.state == RunState.RUNNING and not self.engine.extend(MORE_TRIALS):
            self._more_pending = True  # the run is ending as this arrives: the next one runs them
        self.notify(f"Target raised to {self.target} trials.")

    async def action_quit(self) -> None:
        if self.state not in ACTIVE:
            self._close_and_exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.quitting = True
                self.engine.abort()
                self._set_state(RunState.STOPPING)

        self.push_screen(ConfirmScreen("Quit?", "A trial is running. Quitting ends it (recorded as failed, "
                                       "stopped); completed trials are kept.", yes="Quit"), answered)

    def _close_and_exit(self) -> None:
        self.exit()  # on_unmount closes the engine
