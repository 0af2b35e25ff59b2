"""The space editor widget: inline validation, apply, reset and replacing the definition."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static, Switch

from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.core.space import SINGLE_CONV, Categorical, FloatRange, IntRange, SearchSpace
from tinynas_tui.tui.widgets.space_editor import FieldRow, SpaceEditor


class EditorHost(App):
    """A bare app around one editor, recording what the editor posts and notifies."""

    def __init__(self) -> None:
        super().__init__()
        self.applied: list[SpaceEditor.Applied] = []
        self.edited: list[tuple[bool, bool]] = []
        self.notes: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield SpaceEditor(SINGLE_CONV, PipelineConfig())

    def on_space_editor_applied(self, message: SpaceEditor.Applied) -> None:
        self.applied.append(message)

    def on_space_editor_edited(self, message: SpaceEditor.Edited) -> None:
        self.edited.append((message.valid, message.changed))

    def notify(self, message: str, *, severity: str = "information", **kwargs: Any) -> None:
        self.notes.append((message, severity))
        super().notify(message, severity=severity, **kwargs)


def row(app: App, name: str) -> FieldRow:
    return next(r for r in app.query(FieldRow) if r.field_name == name)


def error_text(app: App, name: str) -> str:
    return str(row(app, name).query_one(".field-error", Static).render())


async def type_into(pilot, name: str, text: str) -> None:
    """Focus a row's input, clear it and type ``text`` key by key."""
    field = row(pilot.app, name).field
    field.focus()
    field.cursor_position = len(field.value)
    await pilot.press("ctrl+u", *text)
    assert field.value == text


async def set_text(pilot, name: str, text: str) -> None:
    """Replace a row's input text at once (quicker than typing it)."""
    row(pilot.app, name).field.value = text
    await pilot.pause()


@pytest.mark.asyncio
async def test_editing_choices_then_apply_posts_the_new_space():
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        await type_into(pilot, "num_filters", "8, 16, 32, 64")
        await pilot.press("ctrl+s")
        await pilot.pause()
    [applied] = app.applied
    assert applied.space.params[0] == Categorical("num_filters", (8, 16, 32, 64))
    assert applied.space.params[1:] == SINGLE_CONV.params[1:]
    assert applied.space.name == SINGLE_CONV.name
    assert applied.pipeline == PipelineConfig()


@pytest.mark.asyncio
async def test_invalid_range_shows_an_inline_error_and_blocks_apply():
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        await set_text(pilot, "dropout", "0.5..0.1")
        await pilot.pause()
        dropout = row(app, "dropout")
        assert dropout.has_class("-invalid")
        assert dropout.field.has_class("-invalid")
        assert "low (0.5) must not exceed high (0.1)" in error_text(app, "dropout")
        assert dropout.query_one(".field-error").display
        assert app.edited == [(False, True)]

        await pilot.click(".apply-button")
        await pilot.pause()
        assert app.applied == []
        message, severity = app.notes[-1]
        assert severity == "error" and "dropout" in message

        await set_text(pilot, "dropout", "0..1")  # dropout 1.0 drops every unit
        await pilot.pause()
        assert "bound 1 is out of range; expected a number at least 0, below 1" in error_text(app, "dropout")
        assert app.edited == [(False, True)]

        await set_text(pilot, "dropout", "0..0")  # whole numbers stay a float range
        await pilot.pause()
        assert not dropout.has_class("-invalid")
        assert not dropout.query_one(".field-error").display
        assert app.edited == [(False, True), (True, True)]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.edited[-1] == (True, False)
    assert app.applied[-1].space.params[3] == FloatRange("dropout", 0.0, 0.0)


@pytest.mark.asyncio
async def test_pipeline_fields_apply_epochs_and_quantization():
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        await type_into(pilot, "epochs", "0")
        await pilot.pause()
        assert "must be a positive whole number" in error_text(app, "epochs")
        await type_into(pilot, "epochs", "3")
        await pilot.pause()
        assert not row(app, "epochs").has_class("-invalid")

        quantization = row(app, "quantization").field
        assert isinstance(quantization, Select)
        quantization.focus()
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert quantization.value == "dynamic"

        await pilot.press("ctrl+s")
        await pilot.pause()
    [applied] = app.applied
    assert applied.pipeline == PipelineConfig(epochs=3, quantization="dynamic")
    assert applied.space == SINGLE_CONV


@pytest.mark.asyncio
async def test_apply_without_changes_only_notifies():
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        await set_text(pilot, "lr", "0.0001..0.01 log")  # same parameter, retyped
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.applied == []
    assert app.notes[-1][0] == "Nothing changed"


@pytest.mark.asyncio
async def test_reset_restores_the_last_applied_definition():
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        editor = app.query_one(SpaceEditor)
        await set_text(pilot, "kernel_size", "3, 5, 7")
        await set_text(pilot, "latency_runs", "50")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert row(app, "kernel_size").field.value == "3, 5"
        assert row(app, "latency_runs").field.value == "200"

        await set_text(pilot, "kernel_size", "3, 5, 7")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await set_text(pilot, "kernel_size", "1..9 log")
        await set_text(pilot, "batch_size", "oops, oops")
        await pilot.pause()
        assert row(app, "kernel_size").kind == "int"
        assert row(app, "batch_size").has_class("-invalid")
        await pilot.click(".reset-button")
        await pilot.pause()
        assert row(app, "kernel_size").field.value == "3, 5, 7"
        assert row(app, "kernel_size").kind == "categorical"
        assert not row(app, "batch_size").has_class("-invalid")
        assert editor.space.params[1] == Categorical("kernel_size", (3, 5, 7))
    assert len(app.applied) == 1


@pytest.mark.asyncio
async def test_set_definition_replaces_every_field():
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        editor = app.query_one(SpaceEditor)
        await set_text(pilot, "dropout", "0.5..0.1")
        other = replace(SINGLE_CONV, name="other", params=(
            *SINGLE_CONV.params[:3], FloatRange("dropout", 0.0, 0.5, step=0.1), *SINGLE_CONV.params[4:],
        ))
        editor.set_definition(other, PipelineConfig(epochs=5))
        await pilot.pause()
        assert row(app, "dropout").field.value == "0.0..0.5 step 0.1"
        assert not row(app, "dropout").has_class("-invalid")
        assert row(app, "epochs").field.value == "5"

        width = {"type": "int", "low": 4, "high": 64, "step": 4}
        params = {**SINGLE_CONV.to_dict()["params"], "width": width}
        bigger = SearchSpace.from_dict({"name": "bigger", "model": "single-conv", "params": params})
        editor.set_definition(bigger, PipelineConfig(quantization="dynamic"))
        await pilot.pause()
        assert [r.field_name for r in app.query(FieldRow)][:7] == [*SINGLE_CONV.names, "width"]
        assert row(app, "width").field.value == "4..64 step 4"
        assert row(app, "quantization").field.value == "dynamic"
        await type_into(pilot, "width", "8..64 step 8")
        await pilot.press("ctrl+s")
        await pilot.pause()
    [applied] = app.applied
    assert applied.space.params[-1] == IntRange("width", 8, 64, step=8)
    assert applied.space.name == "bigger"
    assert applied.pipeline.quantization == "dynamic"


@pytest.mark.asyncio
async def test_labels_go_above_fields_when_narrow():
    app = EditorHost()
    async with app.run_test(size=(30, 40)) as pilot:
        await pilot.pause()
        editor = app.query_one(SpaceEditor)
        assert editor.has_class("-narrow")
        field = row(app, "representative_samples").field
        assert field.region.width >= 20
        await pilot.resize_terminal(60, 40)
        await pilot.pause()
        assert not editor.has_class("-narrow")
        assert app.focused is row(app, "num_filters").field
        await pilot.press("tab")
        assert app.focused is row(app, "kernel_size").field


def test_snapshot_with_an_invalid_field(snap_compare):
    async def make_dropout_invalid(pilot) -> None:
        for field in pilot.app.query(Input):
            field.cursor_blink = False  # the focused field's cursor always shows: the picture is stable
        row(pilot.app, "dropout").field.value = "0.5..0.1"
        await pilot.pause()

    assert snap_compare(EditorHost(), terminal_size=(40, 30), run_before=make_dropout_invalid)


@dataclass(frozen=True)
class ExtendedPipeline(PipelineConfig):
    """Stands in for settings added later: the editor builds its rows from the dataclass fields."""

    prune: bool = True
    distill_weight: float = 0.5


class ExtendedHost(EditorHost):
    def compose(self) -> ComposeResult:
        yield SpaceEditor(SINGLE_CONV, ExtendedPipeline())


@pytest.mark.asyncio
async def test_pipeline_rows_follow_the_config_fields():
    app = ExtendedHost()
    async with app.run_test(size=(60, 40)) as pilot:
        assert isinstance(row(app, "prune").field, Switch)
        assert row(app, "distill_weight").field.type == "number"
        assert "name" not in [r.field_name for r in app.query(FieldRow)]
        row(app, "prune").field.focus()
        await pilot.press("space")
        await type_into(pilot, "distill_weight", "0.25")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert row(app, "prune").field.value is False
    [applied] = app.applied
    assert applied.pipeline == ExtendedPipeline(prune=False, distill_weight=0.25)


# --- bad input: flagged where it is typed, refused by Apply, never applied ---------------------------


@pytest.mark.parametrize("name, text, message", [
    ("num_filters", "64..8", "low (64) must not exceed high (8)"),
    ("dropout", "0.3..0.1 step 0.1", "low (0.3) must not exceed high (0.1)"),
    ("num_filters", "", "empty; expected choices like '8, 16' or a range like '4..64'"),
    ("num_filters", "8, , 16", "empty choice 2; check the commas"),
    ("num_filters", "4..64 stride 2", "unexpected 'stride' after the range; expected 'step N' or 'log'"),
    ("lr", "0..0.1 log", "a log range needs low > 0, got 0"),
    ("epochs", "0", "epochs must be a positive whole number, got 0"),
    ("prune_final_sparsity", "1.5", "prune_final_sparsity must be at least prune_initial_sparsity (0.5) and below 1"),
], ids=["int-low-above-high", "float-low-above-high", "empty-choices", "empty-choice", "unknown-word",
        "log-from-0", "zero-epochs", "sparsity-above-1"])
@pytest.mark.asyncio
async def test_a_bad_field_is_flagged_inline_and_never_applied(name, text, message):
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        await type_into(pilot, name, text)
        await pilot.pause()
        bad = row(app, name)
        assert bad.has_class("-invalid") and bad.field.has_class("-invalid")
        assert error_text(app, name).startswith(f"✗ {message}")
        assert app.edited[-1] == (False, True)  # the app is told the edits cannot be applied
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.notes[-1] == (f"Fix the invalid field(s) first: {name}", "error")
        editor = app.query_one(SpaceEditor)
        assert (editor.space, editor.pipeline) == (SINGLE_CONV, PipelineConfig())
    assert app.applied == []


@pytest.mark.asyncio
async def test_an_upside_down_sparsity_range_flags_both_ends_until_either_is_fixed():
    app = EditorHost()
    message = "✗ prune_final_sparsity must be at least prune_initial_sparsity (0.7) and below 1, got 0.6"
    async with app.run_test(size=(60, 40)) as pilot:
        await type_into(pilot, "prune_initial_sparsity", "0.7")
        await type_into(pilot, "prune_final_sparsity", "0.6")  # each valid against the applied 0.5..0.8
        await pilot.pause()
        for end in ("prune_initial_sparsity", "prune_final_sparsity"):
            assert row(app, end).has_class("-invalid") and error_text(app, end) == message
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.applied == []
        assert app.notes[-1] == ("Fix the invalid field(s) first: prune_initial_sparsity, prune_final_sparsity",
                                 "error")

        await type_into(pilot, "prune_initial_sparsity", "0.5")  # fixing one end clears both flags
        await pilot.pause()
        assert not row(app, "prune_initial_sparsity").has_class("-invalid")
        assert not row(app, "prune_final_sparsity").has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
    [applied] = app.applied
    assert (applied.pipeline.prune_initial_sparsity, applied.pipeline.prune_final_sparsity) == (0.5, 0.6)


@pytest.mark.asyncio
async def test_a_range_moved_past_its_old_end_applies_whichever_end_is_typed_first():
    app = EditorHost()
    async with app.run_test(size=(60, 40)) as pilot:
        await type_into(pilot, "prune_initial_sparsity", "0.9")  # above the final 0.8 for now
        await pilot.pause()
        assert row(app, "prune_initial_sparsity").has_class("-invalid")
        await type_into(pilot, "prune_final_sparsity", "0.95")
        await pilot.pause()
        assert not row(app, "prune_initial_sparsity").has_class("-invalid")
        assert not row(app, "prune_final_sparsity").has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
    [applied] = app.applied
    assert (applied.pipeline.prune_initial_sparsity, applied.pipeline.prune_final_sparsity) == (0.9, 0.95)
