"""App tests leave the app only once its opening has finished.

`run_test` tears the app down at once when the test body ends, past the app's message queue. A side
panel still being built then fails inside Textual (its `Tabs` and `Select` mount to find their children
gone) and the test fails for it. A user's quit waits in that queue behind the opening, so only tests
need this; they wait for the condition, never for a time.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from pilot_wait import until

from tinynas_tui.tui.app import TinyNasApp
from tinynas_tui.tui.run_state import RunState


def opening_finished(app: TinyNasApp) -> bool:
    """True unless the study has opened and its side panel is still being built (`_finish_opening`)."""
    return app.info is None or app.state is not RunState.OPENING


@pytest.fixture(autouse=True)
def _leave_after_opening(monkeypatch):
    run_test = TinyNasApp.run_test

    @asynccontextmanager
    async def settled_run_test(self, *args, **kwargs):
        async with run_test(self, *args, **kwargs) as pilot:
            yield pilot
            if self.is_running:
                await until(pilot, lambda: opening_finished(self), "the opening finishes before the test leaves")

    monkeypatch.setattr(TinyNasApp, "run_test", settled_run_test)

