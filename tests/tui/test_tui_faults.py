"""Faults reach the UI as notifications, not crashes: a busy storage, a stale trial, a lost result."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine
from pilot_wait import until

from tinynas_tui.core.events import StorageBusy, TrialLost, TrialStale
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.factory import create_app


class FaultyEngine(FakeEngine):
    """Reports the faults a real run can meet, then runs its trials as usual."""

    def run(self, n_trials, on_event):
        on_event(StorageBusy("database is locked", 2.0))
        on_event(TrialStale(7))
        on_event(TrialLost(3, "trial 3 was already FAIL in the storage"))
        super().run(n_trials, on_event)


@pytest.mark.asyncio
async def test_faults_are_notified_and_the_study_goes_on():
    app = create_app(FaultyEngine(), trials=2)
    messages: list[str] = []  # every notice given (the screen keeps only the newest two toasts)
    show = app.notify
    app.notify = lambda message, **kwargs: (messages.append(message), show(message, **kwargs))[1]
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.state == "finished", "the two trials")
        assert "Storage busy (database is locked); retrying in 2.0 s" in messages
        assert any(m.startswith("Trial 7 stopped beating") for m in messages)
        assert any(m.startswith("Trial 3: result lost.") for m in messages)
        assert sorted(r.number for r in app.book.ordered()) == [0, 1]  # the notices made no rows


def test_a_trial_failed_by_another_process_says_why():
    class Frozen:
        number, params, values, datetime_start, datetime_complete = 4, {}, None, None, None
        user_attrs = {"worker_host": "node-2:4242"}

        class state:
            name = "FAIL"

    record = TrialRecord.from_frozen(Frozen)
    assert record.reason == "heartbeat: its process (node-2:4242) died or was stopped"
