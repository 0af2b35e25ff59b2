"""App tests leave the app the way a user's quit does: once its opening has finished, and with its
message loop ended before its widgets are taken down.

`run_test` on its own tears the app down while the app's message loop still runs. Two races follow:
- a side panel still being built fails inside Textual (its `Tabs` and `Select` mount to find their
  children gone);
- a trial event that arrives from the engine's thread meanwhile is handled against widgets half
  removed (`NoMatches: '#spark'`, seen in CI).
A user's quit (`App.exit`) ends the loop first and only then tears down, so only tests need this; they
wait for conditions, never for a time.

An input's or text area's cursor does not blink in tests: a snapshot taken with an input focused would show the cursor
or not as it was taken (a 0.5 s timer; a snapshot failed for it under load).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from pilot_wait import until
from textual.widgets import Input, TextArea

from tinynas_tui.tui.app import TinyNasApp
from tinynas_tui.tui.run_state import RunState


def opening_finished(app: TinyNasApp) -> bool:
    """True unless the study has opened and its side panel is still being built (`_finish_opening`)."""
    return app.info is None or app.state is not RunState.OPENING


@pytest.fixture(autouse=True)
def _leave_as_a_user_quits(monkeypatch):
    run_test = TinyNasApp.run_test

    @asynccontextmanager
    async def settled_run_test(self, *args, **kwargs):
        async with run_test(self, *args, **kwargs) as pilot:
            yield pilot
            if self.is_running:
                await until(pilot, lambda: opening_finished(self), "the opening finishes before the test leaves")
                self.exit()
            # `run_test` keeps the app's task here; it ends when the message loop does, before teardown.
            await self._task

    monkeypatch.setattr(TinyNasApp, "run_test", settled_run_test)


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch):
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
