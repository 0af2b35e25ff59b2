"""The study switcher, the name of a study a space edit starts, the weights and budgets kept with a study,
and applying the budgets to the study (FakeEngine: no storage)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until
from textual.widgets import DataTable, Input

from tinynas_tui.core.boards import latency_board
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.hypervolume import of_values, reference_for
from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.space import SINGLE_CONV, Categorical
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.confirm import ConfirmScreen
from tinynas_tui.tui.screens.studies_screen import COLUMNS, NAME_COLUMN, NAME_WIDTH, StudiesScreen
from tinynas_tui.tui.widgets.trial_table import TrialTable

pytestmark = pytest.mark.asyncio

FIRST = "mnist-5k-single-conv-quick"


def engine_with_two_studies(**kwargs):
    engine = FakeEngine([complete_record(i) for i in range(4)], **kwargs)
    engine.add_study("other", [complete_record(i) for i in range(7)], saved_weights=Weights(1, 2, 3),
                     saved_budgets=Budgets(max_flash_kb=64))
    return engine


async def open_switcher(pilot):
    await pilot.press("ctrl+t")  # from the table: a text field takes the letter
    await until(pilot, lambda: isinstance(pilot.app.focused, TrialTable), "the table focused")
    await pilot.press("o")
    await until(pilot, lambda: isinstance(pilot.app.screen, StudiesScreen) and pilot.app.screen.names, "listed")
    return pilot.app.screen


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_switcher_lists_every_study_and_opens_the_chosen_one(size):
    engine = engine_with_two_studies()
    app = create_app(engine, paused=True)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        screen = await open_switcher(pilot)
        assert screen.names == [FIRST, "other"]
        table = screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [rows[0][i] for i in (0, 1, 5)] == ["▶", "4/4", FIRST]
        assert [rows[1][i] for i in (0, 1, 5)] == ["", "7/7", "other"]
        assert rows[1][2] == f"{max(complete_record(i).values[0] for i in range(7)):.4f}"
        assert table.cursor_row == 0  # on the open study
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.info.study_name == "other" and app.state == "paused", "switched")
        assert app.query_one(TrialTable).row_count == 7
        # The study's stored weights and budgets rank it, and the panel shows them.
        assert (app.weights, app.budgets) == (Weights(1, 2, 3), Budgets(max_flash_kb=64))
        assert app.ranking.weights == Weights(1, 2, 3)
        app.action_focus_weights()  # at 80 columns this shows the side panel over the table
        await until(pilot, lambda: app.query_one("#b-flash", Input).value == "64", "panel shows the study's")
        assert app.query_one("#w-latency", Input).value == "3"
        assert engine.ranking_saves == []  # restoring is not a change to store
        # And back: the first study, with the weights it had.
        if size == (80, 24):
            await pilot.press("f2")  # the panel hidden again: the table can take the focus
        await open_switcher(pilot)
        await pilot.press("enter")  # the cursor starts on "other", the open one: nothing happens
        assert app.info.study_name == "other"
        await open_switcher(pilot)
        await pilot.press("up", "enter")
        await until(pilot, lambda: app.info.study_name == FIRST and app.state == "paused", "back")
        assert app.query_one(TrialTable).row_count == 4


LONG = "mnist-5k-single-conv-quick-num_filters=8,32-kernel_size=3"  # 56 characters


def name_cells(table):
    return [str(table.get_row_at(i)[NAME_COLUMN]) for i in range(table.row_count)]


async def test_a_long_name_is_cut_with_an_ellipsis_to_the_width_and_the_hypervolume_shown():
    engine = FakeEngine([complete_record(i) for i in range(4)])
    engine.add_study(LONG, [complete_record(i) for i in range(3)])
    app = create_app(engine, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        screen = await open_switcher(pilot)
        table = screen.query_one(DataTable)
        cut = name_cells(table)[1]
        assert cut.endswith("…") and LONG.startswith(cut[:-1]) and len(cut) >= 20, cut
        # The name column ends inside the table: nothing of it is left beyond the edge.
        widths = [c.get_render_width(table) for c in table.ordered_columns[:NAME_COLUMN + 1]]
        assert sum(widths) <= table.scrollable_content_region.width, widths
        reference = reference_for({}, latency_board("m4-1m").to_dict())
        expected = of_values([complete_record(i).values for i in range(3)], reference)
        assert str(table.get_row_at(1)[COLUMNS.index("hyper-\nvolume")]) == f"{expected:.4f}"
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: name_cells(table)[1] != cut, "the names cut again to the new width")
        assert name_cells(table)[1] == LONG[:NAME_WIDTH - 1] + "…"  # the most a name takes
        assert name_cells(table)[0] == FIRST
        assert table.cursor_row == 0  # still on the open study


async def test_the_switcher_refuses_while_the_study_runs():
    engine = engine_with_two_studies(gated=True)
    app = create_app(engine, trials=1)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "running", "running")
        await open_switcher(pilot)
        await pilot.press("down", "enter")
        await until(pilot, lambda: any("Pause the study" in str(n.message) for n in app._notifications),
                    "says why")
        assert app.info.study_name == FIRST
        engine.release()
        await until(pilot, lambda: app.state == "finished", "finished")


async def test_a_space_edit_names_the_new_study_after_what_changed():
    from tinynas_tui.tui.widgets.space_editor import SpaceEditor

    engine = FakeEngine([complete_record(0)])
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        params = tuple(Categorical("num_filters", (8, 32)) if p.name == "num_filters" else p
                       for p in SINGLE_CONV.params)
        edited = replace(SINGLE_CONV, params=params)
        app.query_one(SpaceEditor).post_message(SpaceEditor.Applied(edited, PipelineConfig()))
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asks first")
        await pilot.press("y")
        await until(pilot, lambda: app.info.study_name != FIRST, "new study")
        assert app.info.study_name == f"{FIRST}-num_filters=8,32"
        # The old study is one press away.
        screen = await open_switcher(pilot)
        assert screen.names == [FIRST, f"{FIRST}-num_filters=8,32"]


async def test_weights_stored_with_the_study_come_back_unless_given():
    engine = FakeEngine([complete_record(i) for i in range(3)])
    engine._studies()
    engine.saved_weights, engine.saved_budgets = Weights(10, 0, 0), Budgets(max_ram_kb=20)
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        assert (app.weights, app.budgets) == (Weights(10, 0, 0), Budgets(max_ram_kb=20))
        app.action_focus_weights()
        await until(pilot, lambda: app.query_one("#w-acc", Input).value == "10", "shown")
    given = create_app(engine, paused=True, weights=Weights(5, 5, 5))
    async with given.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: given.state == "paused", "opened")
        assert given.weights == Weights(5, 5, 5)  # --weights wins
        assert given.budgets == Budgets(max_ram_kb=20)  # no budget option given: the stored ones


async def test_a_weight_change_is_stored_once_after_the_typing():
    engine = FakeEngine([complete_record(i) for i in range(3)])
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        app.action_focus_weights()
        field = app.query_one("#w-acc", Input)
        await until(pilot, lambda: app.focused is field, "focused")
        await pilot.press("end", "backspace", "backspace", "backspace", "5", "0")
        await until(pilot, lambda: app.weights.accuracy == 50, "re-ranked")
        await until(pilot, lambda: engine.ranking_saves, "stored")
        await pilot.pause(0.2)
        assert engine.ranking_saves == [(FIRST, Weights(50, 0.01, 0.1), Budgets())]


async def test_unsaved_weights_are_stored_when_the_app_quits():
    engine = FakeEngine([complete_record(0)])
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        app.action_focus_weights()
        field = app.query_one("#w-size", Input)
        await until(pilot, lambda: isinstance(app.focused, Input), "the panel focused")
        field.focus()
        await until(pilot, lambda: app.focused is field, "focused")
        await pilot.press("end", "1")
        await until(pilot, lambda: app.weights.size_kb == 0.011, "re-ranked")
        assert engine.ranking_saves == []  # within the second
    assert engine.ranking_saves == [(FIRST, Weights(100, 0.011, 0.1), Budgets())]


async def test_applying_budgets_asks_saying_what_it_does_then_applies_them():
    engine = FakeEngine([complete_record(i) for i in range(3)])
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        app.action_focus_weights()
        field = app.query_one("#b-flash", Input)
        await until(pilot, lambda: isinstance(app.focused, Input), "the panel focused")
        field.focus()
        await until(pilot, lambda: app.focused is field, "focused")
        await pilot.press("1", "0", "0")
        await until(pilot, lambda: app.budgets == Budgets(max_flash_kb=100), "re-ranked")
        line = app.query_one("#study-budgets")
        assert "none" in str(line.render()) and "re-rank only" in str(line.render())
        await pilot.press("ctrl+b")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asks")
        question = str(app.screen.query_one("#confirm-question").render())
        assert "flash ≤ 100 KiB" in question
        assert ("New trials over these budgets are skipped before training (pre-flight) and recorded as "
                "infeasible; trials already run are kept.") in " ".join(question.split())
        await pilot.press("n")
        assert engine.applied == []
        await pilot.click("#apply-budgets")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asks again")
        await pilot.press("y")
        await until(pilot, lambda: engine.applied, "applied")
        assert engine.applied == [(FIRST, Budgets(max_flash_kb=100))]
        await until(pilot, lambda: "applied to new trials" in str(line.render()), "the panel says so")
        assert "flash ≤ 100 KiB" in str(line.render()) and "differ" not in str(line.render())
        await pilot.press("ctrl+b")
        await until(pilot, lambda: any("has these budgets already" in str(n.message) for n in app._notifications),
                    "nothing to apply")


async def test_every_new_binding_has_an_id_and_a_tooltip():
    from tinynas_tui.tui.app import TinyNasApp

    ids = {b.id for b in TinyNasApp.BINDINGS}
    assert {"study.open", "study.apply_budgets"} <= ids
    for binding in StudiesScreen.BINDINGS:
        assert binding.id and binding.tooltip
