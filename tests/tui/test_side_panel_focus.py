"""The side panel: the focused field stands out in $accent, and the pipeline section lists only the
settings its pipeline uses (a stage's settings appear when the stage is switched on)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until
from textual.color import Color
from textual.widgets import Input, Label, Switch

from tinynas_tui.core.pipeline_config import PRESETS, STAGE_SETTINGS
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.widgets.field_row import FieldRow
from tinynas_tui.tui.widgets.space_editor import SpaceEditor

pytestmark = pytest.mark.asyncio


async def opened_with_panel(pilot, app):
    await until(pilot, lambda: app.state == "paused", "opened")
    await until(pilot, lambda: app.query(SpaceEditor), "the side panel is built")
    await pilot.pause()


def rows(app) -> dict[str, FieldRow]:
    return {row.field_name: row for row in app.query_one(SpaceEditor).query(FieldRow)}


def accent(app) -> Color:
    return Color.parse(app.get_css_variables()["accent"])


def near(color: Color, target: Color, base: Color) -> bool:
    """``color`` lies clearly towards ``target`` from ``base`` (a blend of at least 20%)."""
    span = sum(abs(a - b) for a, b in zip(target.rgb, base.rgb))
    moved = sum(abs(a - b) for a, b in zip(color.rgb, base.rgb))
    toward = sum(abs(a - b) for a, b in zip(color.rgb, target.rgb))
    return span > 0 and moved >= 0.2 * span and toward < span


async def test_the_focused_field_of_the_space_editor_is_drawn_in_accent():
    app = create_app(FakeEngine([complete_record(0)]), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_with_panel(pilot, app)
        field = rows(app)["num_filters"].field
        other = rows(app)["kernel_size"].field
        unfocused = field.styles.background
        field.focus()
        await pilot.pause()
        focused = field.styles.background
        assert focused != unfocused
        assert near(focused, accent(app), other.styles.background), (focused, accent(app), unfocused)
        head = rows(app)["num_filters"].query_one(".field-head", Label)
        assert head.styles.color.rgb == accent(app).rgb and head.styles.text_style.bold

        switch = rows(app)["prune"].field
        assert isinstance(switch, Switch)
        before = switch.styles.background
        switch.focus()
        await pilot.pause()
        assert switch.styles.background != before and near(switch.styles.background, accent(app), before)


async def test_the_focused_weight_field_is_drawn_in_accent():
    app = create_app(FakeEngine([complete_record(0)]), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_with_panel(pilot, app)
        await pilot.press("ctrl+t")
        app.action_focus_weights()
        await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "w-acc", "a weight focused")
        await pilot.pause()
        assert app.focused.styles.border_top[1].rgb == accent(app).rgb


async def test_the_quick_pipeline_lists_only_the_settings_it_uses():
    app = create_app(FakeEngine([complete_record(0)]), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_with_panel(pilot, app)
        shown = {name for name, row in rows(app).items() if row.kind is None and row.display}
        assert shown == set(PRESETS["quick"].used_settings())
        for names in STAGE_SETTINGS.values():
            assert not shown & set(names), names
        assert {"epochs", "quantization", "prune", "qat", "distill", "quick_eval", "keep_keras"} <= shown


async def test_switching_a_stage_on_shows_its_settings_and_off_hides_them():
    app = create_app(FakeEngine([complete_record(0)]), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_with_panel(pilot, app)
        prune = rows(app)["prune"].field
        prune.value = True
        await until(pilot, lambda: rows(app)["prune_final_sparsity"].display, "the pruning settings appear")
        assert all(rows(app)[name].display for name in STAGE_SETTINGS["prune"])
        assert not rows(app)["qat_epochs"].display
        rows(app)["distill"].field.value = True
        await until(pilot, lambda: rows(app)["teacher_epochs"].display, "the distillation settings appear")
        assert not rows(app)["epochs"].display  # the teacher and the student train instead
        prune.value = False
        await until(pilot, lambda: not rows(app)["prune_final_sparsity"].display, "the pruning settings hide")
        space, pipeline = app.query_one(SpaceEditor).edited_definition()
        assert pipeline.distill and not pipeline.prune and pipeline.prune_final_sparsity == 0.8  # kept


async def test_a_compress_study_shows_every_compress_setting():
    engine = FakeEngine([complete_record(0)])
    engine.pipeline = PRESETS["compress"]
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_with_panel(pilot, app)
        shown = {name for name, row in rows(app).items() if row.kind is None and row.display}
        assert set(STAGE_SETTINGS["prune"]) | set(STAGE_SETTINGS["distill"]) | {"qat_epochs"} <= shown


async def test_early_stopping_off_hides_its_settings_and_the_learning_rate_switch_under_it():
    engine = FakeEngine([complete_record(0)])
    engine.pipeline = PRESETS["converge"]
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await opened_with_panel(pilot, app)
        shown = {name for name, row in rows(app).items() if row.kind is None and row.display}
        assert set(STAGE_SETTINGS["augment"]) | set(STAGE_SETTINGS["early_stopping"]) <= shown
        assert rows(app)["early_stopping_monitor"].field.value == "val_loss"  # a choice, not free text
        rows(app)["early_stopping"].field.value = False
        await until(pilot, lambda: not rows(app)["patience"].display, "the early-stopping settings hide")
        assert not rows(app)["reduce_lr"].display and not rows(app)["reduce_lr_patience"].display
        assert rows(app)["augment_shift"].display
        space, pipeline = app.query_one(SpaceEditor).edited_definition()
        assert not pipeline.early_stopping and pipeline.reduce_lr and pipeline.patience == 6  # kept, unused
