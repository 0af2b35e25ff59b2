"""The detail names the other trials of the same architecture (only training parameters differ), as the
table's `arch` column groups them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import FakeEngine, complete_record, params_for
from pilot_wait import until

from tinynas_tui.core.space import TRAINING_PARAMS
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.trial_detail import TrialDetail

pytestmark = pytest.mark.asyncio


def architecture(number: int) -> dict:
    return {k: v for k, v in params_for(number).items() if k not in TRAINING_PARAMS}


def detail_text(detail: TrialDetail) -> str:
    return "\n".join(line.text for line in detail._lines)


def group_of(number: int, count: int) -> list[int]:
    return [n for n in range(count) if n != number and architecture(n) == architecture(number)]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_detail_names_the_trials_of_the_same_architecture(size):
    records = [complete_record(i) for i in range(13)]
    unique = replace(complete_record(13), params={**params_for(13), "num_filters": 64})
    engine = FakeEngine([*records, unique])
    app = create_app(engine, trials=0, paused=True)
    assert group_of(0, 13) and group_of(1, 13) != group_of(0, 13)  # the fake's parameters repeat
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 14, "the trials are read")
        detail = app.query_one(TrialDetail)
        for number in (0, 1):
            app.table.move_to(number)
            want = "same architecture as " + ", ".join(f"#{n}" for n in group_of(number, 13))
            await until(pilot, lambda: detail.up_to_date and want in detail_text(detail), f"the detail says {want!r}")
        app.table.move_to(13)
        await until(pilot, lambda: detail.up_to_date and "Trial 13 " in detail_text(detail), "trial 13 shown")
        assert "same architecture" not in detail_text(detail)
