"""Running, pausing, stopping and quitting the study: the app's study controls.

A mixin of `TinyNasApp` (it uses the app's engine, state, target and screens). Stopping and quitting
while a trial runs ask first; whichever way the app ends, no trial outlives it.
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.tui.messages import StudyRunEnded
from tinynas_tui.tui.screens.confirm import ConfirmScreen

MORE_TRIALS = 5
IDLE_STATES = ("paused", "stopped", "finished")


class StudyControls:
    """F5 run, F6 pause, F8 stop, F7 five more trials, ctrl+q quit."""

    engine: Any
    state: str
    target: int
    quitting: bool
    _pause_requested: bool
    _stop_requested: bool

    def on_study_run_ended(self, message: StudyRunEnded) -> None:
        if self.quitting:
            self._close_and_exit()
            return
        if self._stop_requested:
            self._set_state("stopped")
        elif self._pause_requested:
            self._set_state("paused")
        else:
            self._set_state("finished" if self._finished() >= self.target else "paused")
        self._pause_requested = self._stop_requested = False

    def action_start(self) -> None:
        if self.state not in IDLE_STATES:
            return
        remaining = self.target - self._finished()
        if remaining <= 0:
            self.notify("The target is reached; press + (F7) for more trials.")
            return
        self._pause_requested = self._stop_requested = False
        self._set_state("running")
        self._run_study(remaining)

    def action_pause(self) -> None:
        if self.state == "running":
            self._pause_requested = True
            self.engine.request_pause()
            self._set_state("pausing")

    def action_stop(self) -> None:
        if self.state not in ("running", "pausing"):
            return

        def answered(yes: bool | None) -> None:
            if yes and self.state in ("running", "pausing"):
                self._stop_requested = True
                self.engine.abort()
                self._set_state("stopping")

        self.push_screen(ConfirmScreen("Stop the study?", "The running trial ends now and is recorded as "
                                       "failed (stopped). Completed trials are kept.", yes="Stop"), answered)

    def action_more_trials(self) -> None:
        self.target += MORE_TRIALS
        self._update_status()
        if self.state in IDLE_STATES:
            self.action_start()
        else:
            self.notify(f"Target raised to {self.target} trials.")

    async def action_quit(self) -> None:
        if self.state not in ("running", "pausing", "stopping"):
            self._close_and_exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.quitting = True
                self.engine.abort()
                self._set_state("stopping")

        self.push_screen(ConfirmScreen("Quit?", "A trial is running. Quitting ends it (recorded as failed, "
                                       "stopped); completed trials are kept.", yes="Quit"), answered)

    def _close_and_exit(self) -> None:
        self.exit()  # on_unmount closes the engine
