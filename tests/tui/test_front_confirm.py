"""``k`` confirms the front from the UI, and ``--confirm K`` does so when a run reaches its target: the
front's best trials run again with other seeds, ranked by the weights the table shows."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.core.figures import REPEAT_OF
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.confirm import ConfirmScreen
from tinynas_tui.tui.widgets.trial_detail import TrialDetail

pytestmark = pytest.mark.asyncio


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


def best_on_front(ranking, k: int = 1) -> list[int]:
    return [n for n in ranking.order if n in ranking.front and n in ranking.feasible][:k]


def detail_text(app) -> str:
    return "\n".join(line.text for line in app.query_one(TrialDetail)._lines)


async def test_k_asks_then_runs_the_fronts_top_three_with_two_more_seeds_each():
    engine = FakeEngine([complete_record(i) for i in range(8)])
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 8, "the study is open")
        top = best_on_front(app.ranking, 3)
        assert len(top) == 3
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        question = str(app.screen.query_one("#confirm-question").visual)
        assert "Confirming the top 3 trials of the front with 2 more seeds each (6 trials)" in question
        assert engine.confirms == []  # nothing runs before the answer
        await pilot.press("y")
        await until(pilot, lambda: app.book.count("complete") == 14 and app.state == "finished", "the repeats ran")
        assert engine.confirms == [(3, 2, app.weights, app.budgets)]
        assert sorted(app.book.repeats.repeated()) == sorted(top)
        assert app.target == 14  # the header counts the repeats: 14/14, finished
        assert any(t.startswith("Confirming the top 3 trials") for t in toasts(app))
        assert all(n not in app.ranking.ranks for n in range(8, 14))  # repeats are not ranked
        app.table.move_to(top[0])
        await until(pilot, lambda: "accuracy over 3 seeds" in detail_text(app), "the detail gives the spread")


async def test_no_at_the_question_runs_nothing():
    engine = FakeEngine([complete_record(i) for i in range(8)])
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 8, "the study is open")
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the question closed")
        assert engine.confirms == [] and app.state == "paused" and app.book.count("complete") == 8


async def test_k_ranks_by_the_weights_the_table_shows():
    engine = FakeEngine([complete_record(i) for i in range(8)])
    weights = Weights(accuracy=1.0, size_kb=1.0, latency_ms=0.0)  # the smallest model wins
    app = create_app(engine, trials=0, paused=True, weights=weights)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 8, "the study is open")
        chosen = best_on_front(app.ranking)
        assert chosen != best_on_front(app.book.rank(Weights(), app.budgets))  # the weights decide
        app.confirm_top = 1
        await pilot.press("k", "y")
        await until(pilot, lambda: app.state == "finished" and engine.confirms, "the confirmation ran")
        assert engine.confirms[0][2] == weights
        assert list(app.book.repeats.repeated()) == chosen


async def test_k_while_a_trial_runs_says_to_wait_and_runs_nothing():
    engine = FakeEngine(gated=True)
    app = create_app(engine, trials=2)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        await pilot.press("k")
        assert not isinstance(app.screen, ConfirmScreen)
        assert engine.confirms == []
        assert any("once it has paused or finished" in t for t in toasts(app))
        engine.release(2)
        await until(pilot, lambda: app.state == "finished", "the run ended")
        assert engine.confirms == []  # no --confirm: a run's end confirms nothing by itself


async def test_k_when_the_top_trials_have_their_repeats_says_so_without_asking():
    records = [complete_record(i) for i in range(8)]
    engine = FakeEngine(records)
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 8, "the study is open")
        top = best_on_front(app.ranking, 3)
    repeats = [replace(complete_record(original), number=8 + i, attrs={**complete_record(original).attrs,
                                                                         REPEAT_OF: original})
               for i, original in enumerate(o for o in top for _ in range(2))]
    engine = FakeEngine([*records, *repeats])
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 14, "the study is open")
        await pilot.press("k")
        assert not isinstance(app.screen, ConfirmScreen) and engine.confirms == []
        assert any(t.startswith("Nothing to confirm: the top 3 trials of the front have 2 seed repeats each")
                   for t in toasts(app))


async def test_confirm_option_confirms_once_the_run_reaches_its_target_and_only_once():
    engine = FakeEngine()
    app = create_app(engine, trials=6, confirm_top=2, confirm_repeats=1)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("complete") == 8 and app.state == "finished",
                    "6 trials, then 2 repeats")
        assert engine.runs == [6]
        assert [c[:2] for c in engine.confirms] == [(2, 1)]  # the confirmation's own end starts no other
        assert len(app.book.repeats.repeated()) == 2 and app.target == 8


async def test_confirm_option_waits_while_the_run_is_paused():
    engine = FakeEngine(gated=True)
    app = create_app(engine, trials=3, confirm_top=2)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        await pilot.press("f6")
        engine.release()
        await until(pilot, lambda: app.state == "paused", "paused")
        assert engine.confirms == []  # the target is not reached: nothing to confirm yet


async def test_k_on_a_study_that_did_not_open_says_so():
    engine = FakeEngine(fail_open=RuntimeError("cannot open storage sqlite:///x.db"))
    app = create_app(engine, trials=0, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state == "failed", "the opening failed")
        await pilot.press("escape")  # the error dialog
        await pilot.press("k")
        assert engine.confirms == [] and "The study is not open yet" in toasts(app)
