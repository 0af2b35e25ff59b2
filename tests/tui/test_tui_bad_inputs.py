"""Bad weights and budgets typed into the app's weights panel: flagged, notified on Enter, never applied."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from pilot_wait import until
from textual.widgets import Input

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.factory import create_app

pytestmark = pytest.mark.asyncio


def record_notifications(app) -> list[tuple[str, str]]:
    """(message, severity) of every notification the app shows from now on."""
    notes: list[tuple[str, str]] = []
    show = app.notify

    def notify(message, *, severity="information", **kwargs):
        notes.append((message, severity))
        return show(message, severity=severity, **kwargs)

    app.notify = notify
    return notes


async def opened_on_weights(pilot):
    await until(pilot, lambda: pilot.app.state == "paused", "opened")
    pilot.app.action_focus_weights()
    await pilot.pause()


async def type_into(pilot, field_id: str, keys: list[str]) -> Input:
    """Focus a field, clear it and press ``keys`` one by one, as a user would type them."""
    field = pilot.app.query_one(f"#{field_id}", Input)
    field.focus()
    field.cursor_position = len(field.value)
    await pilot.press("ctrl+u", *keys)
    await pilot.pause()
    return field


def error_line(app) -> str:
    return str(app.query_one("#weights-error").render())


def app_with_trials():
    records = [complete_record(i) for i in range(4)] + [failed_record(4)]
    return create_app(FakeEngine(records), paused=True)


async def test_letters_cannot_be_typed_into_a_weight():
    app = app_with_trials()
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_on_weights(pilot)
        ranks = dict(app.ranking.ranks)
        field = app.query_one("#w-size", Input)
        field.focus()
        field.cursor_position = len(field.value)
        await pilot.press("a", "b", "c")
        await pilot.pause()
        assert field.value == "0.01"  # refused key by key: the field still holds the weight
        assert app.weights == Weights() and app.ranking.ranks == ranks
        assert error_line(app) == ""


SIZE_WEIGHT = Weights().size_kb


@pytest.mark.parametrize("keys, message, last_valid", [
    (["-"], "size KiB: '-' is not a number; expected a number, 0 or more (not applied)", SIZE_WEIGHT),
    (["."], "size KiB: '.' is not a number; expected a number, 0 or more", SIZE_WEIGHT),
    (["1", "e", "-"], "size KiB: '1e-' is not a number; expected a number, 0 or more", 1.0),
    (["1", "e", "9", "9", "9"], "size KiB: '1e999' is not finite; expected a number, 0 or more", 1e99),
    (["-", "5"], "size KiB: '-5' is negative; it must be 0 or more", SIZE_WEIGHT),
    ([], "size KiB: empty; expected a number, 0 or more", SIZE_WEIGHT),
], ids=["minus", "dot", "1e-", "1e999", "-5", "empty"])
async def test_a_weight_that_is_not_a_usable_number_is_flagged_and_not_applied(keys, message, last_valid):
    app = app_with_trials()
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_on_weights(pilot)
        notes = record_notifications(app)
        field = await type_into(pilot, "w-size", keys)
        assert field.value == "".join(keys)
        assert field.has_class("-invalid")
        assert message in error_line(app)
        # A valid prefix typed on the way ("1" of "1e-", "1e99" of "1e999") was applied as it was typed,
        # like any valid text; the bad text never is: the weight stays at the last valid one.
        assert app.weights == Weights(size_kb=last_valid)
        ranks = dict(app.ranking.ranks)
        assert app.ranking.ranks == app.book.rank(Weights(size_kb=last_valid), app.budgets).ranks

        await pilot.press("enter")
        await pilot.pause()
        assert notes == [(message.removesuffix(" (not applied)"), "error")]
        assert app.weights == Weights(size_kb=last_valid) and app.ranking.ranks == ranks

        await type_into(pilot, "w-size", ["2"])  # fixed: applied at once, flag and error line gone
        await until(pilot, lambda: app.weights == Weights(size_kb=2.0), "the fixed weight applied")
        assert not field.has_class("-invalid") and error_line(app) == ""


async def test_a_zero_budget_is_flagged_and_blank_means_none():
    app = app_with_trials()
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_on_weights(pilot)
        field = await type_into(pilot, "b-flash", ["0"])
        assert field.has_class("-invalid")
        assert "max flash KiB: '0' is not above 0; expected a number above 0, or blank for none" in error_line(app)
        assert app.budgets == Budgets()
        await type_into(pilot, "b-flash", ["5", "0"])
        await until(pilot, lambda: app.budgets == Budgets(max_flash_kb=50.0), "the budget applied")
        await type_into(pilot, "b-flash", [])
        await until(pilot, lambda: app.budgets == Budgets(), "blank: no budget")
        assert not field.has_class("-invalid")


async def test_enter_on_a_valid_field_does_not_notify():
    app = app_with_trials()
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_on_weights(pilot)
        notes = record_notifications(app)
        await type_into(pilot, "w-acc", ["5", "0"])
        await pilot.press("enter")
        await until(pilot, lambda: app.weights == Weights(accuracy=50.0), "applied")
        assert notes == []
