"""An editor for a study's search space and pipeline settings, one compact row per field.

Only the settings the pipeline uses are shown (`PipelineConfig.used_settings`): a stage's settings appear
when its switch is turned on, and hide (keeping their values) when it is turned off.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import fields, replace
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, Switch

from tinynas_tui.errors import UsageError
from tinynas_tui.core.pipeline_config import EARLY_STOPPING_MONITORS, QUANTIZATION_MODES, PipelineConfig
from tinynas_tui.core.space import SearchSpace
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.space_text import SOURCE, param_from_text, param_kind, param_to_text, space_with_params
from tinynas_tui.tui.widgets.field_row import FieldRow, TextCheck

FIELD_CHOICES: dict[str, tuple[str, ...]] = {"quantization": QUANTIZATION_MODES,
                                             "early_stopping_monitor": EARLY_STOPPING_MONITORS}
"""Pipeline settings edited with a `Select` over these values instead of a free input."""

MIN_INPUT_WIDTH = 16
"""Below this many columns beside the labels, each label goes above its field."""


class SpaceEditor(VerticalScroll, can_focus=False):
    """Edits a search space (one text box per parameter) and the pipeline settings of a study.

    Nothing leaves the editor until the user applies: then it posts `SpaceEditor.Applied` with the new,
    validated definitions, which become what Reset restores.
    """

    DEFAULT_CSS = """
    SpaceEditor {
        padding: 0 1;
        scrollbar-size-vertical: 1;
        & > .section-title { text-style: bold; color: $accent; }
        & > .section-title.-pipeline { margin-top: 1; }
        &.-narrow .field-line { layout: vertical; }
        & > .buttons { height: auto; margin-top: 1; }
        & > .buttons Button { margin-right: 1; }
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="space.apply",
                tooltip="Apply the edited space and pipeline"),
        Binding("ctrl+r", "reset", "Reset", id="space.reset",
                tooltip="Restore the last applied space and pipeline"),
    ]

    class Applied(Message):
        """The user applied valid edits; ``space`` and ``pipeline`` are the new definitions."""

        def __init__(self, space: SearchSpace, pipeline: PipelineConfig) -> None:
            super().__init__()
            self.space = space
            self.pipeline = pipeline

    class Edited(Message):
        """The fields became valid or invalid, or started or stopped differing from the applied definition."""

        def __init__(self, valid: bool, changed: bool) -> None:
            super().__init__()
            self.valid = valid
            self.changed = changed

    def __init__(self, space: SearchSpace, pipeline: PipelineConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_applied(space, pipeline)
        self._narrow_below = 0
        self._edit_state = (True, False)  # (valid, changed) as last posted in `Edited`
        self._valid_alone: tuple[Any, dict[str, Any]] = (None, {})  # see `_settings_valid_alone`

    @property
    def space(self) -> SearchSpace:
        """The last applied (or initial) search space."""
        return self._space

    @property
    def pipeline(self) -> PipelineConfig:
        """The last applied (or initial) pipeline settings."""
        return self._pipeline

    def compose(self) -> ComposeResult:
        settings = [f.name for f in fields(self._pipeline) if f.name != "name"]
        head_width = max([len(p.name) + 6 for p in self._space.params] + [len(s) for s in settings])
        yield Static("Search space", classes="section-title")
        for param in self._space.params:
            check = TextCheck(lambda text, name=param.name: self._param_from_text(name, text))
            field = Input(_shown(param), compact=True, validators=[check], select_on_focus=False)
            yield FieldRow(param.name, field, head_width, kind=param_kind(param))
        yield Static("Pipeline", classes="section-title -pipeline")
        used = self._pipeline.used_settings()
        for name in settings:
            row = FieldRow(name, self._setting_field(name, getattr(self._pipeline, name)), head_width)
            row.display = name in used
            yield row
        with Horizontal(classes="buttons"):
            yield Button("Apply", variant="primary", compact=True, classes="apply-button")
            yield Button("Reset", compact=True, classes="reset-button")
        self._narrow_below = head_width + 1 + MIN_INPUT_WIDTH + 3
        if self.size.width:  # recomposed for a new definition: its labels may be wider
            self.set_class(self.size.width < self._narrow_below, "-narrow")

    def _rows(self) -> list[FieldRow]:
        """The field rows, in order (they are the editor's children: no query of the whole subtree)."""
        return [child for child in self.children if isinstance(child, FieldRow)]

    def _set_applied(self, space: SearchSpace, pipeline: PipelineConfig) -> None:
        """Make these the definitions Reset restores; their parameter kinds become the parse hints."""
        self._space, self._pipeline = space, pipeline
        self._kind_hints = {p.name: param_kind(p) for p in space.params}

    def _setting_field(self, name: str, value: Any) -> Widget:
        kind = self._setting_type(name)
        if kind is bool:
            return Switch(value)
        if name in FIELD_CHOICES:
            return Select([(c, c) for c in FIELD_CHOICES[name]], value=value, allow_blank=False, compact=True)
        check = TextCheck(lambda text: self._setting_from_text(name, text))
        input_type = {int: "integer", float: "number"}.get(kind, "text")
        return Input(inert(value), type=input_type, compact=True, validators=[check], select_on_focus=False)

    def _setting_type(self, name: str) -> Any:
        """The declared type of a pipeline setting (``bool``, ``int``, ``float``, ``str``...)."""
        return _field_types(type(self._pipeline)).get(name, type(getattr(self._pipeline, name)))

    def _param_from_text(self, name: str, text: str) -> Any:
        return param_from_text(name, text, self._kind_hints.get(name))

    def _setting_from_text(self, name: str, text: str) -> Any:
        """A pipeline setting's value, checked together with the other settings as edited.

        So a setting bound to another (``prune_initial_sparsity`` <= ``prune_final_sparsity``) is judged
        against what that other field holds now, not against the last applied value. A field is blamed
        only for a conflict it takes part in: when the other fields already conflict among themselves,
        it is judged against the applied settings.
        """
        value = self._parse_setting(name, text)
        others = self._other_settings(name)
        try:
            self._pipeline.with_overrides(**others)
        except UsageError:
            others = {}
        self._pipeline.with_overrides(**others, **{name: value})
        return value

    def _parse_setting(self, name: str, text: str) -> Any:
        kind = self._setting_type(name)
        try:
            return kind(text.strip()) if kind in (int, float) else text
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise UsageError(f"pipeline setting {name} must be {what}, got {text!r}") from None

    def _other_settings(self, name: str) -> dict[str, Any]:
        """The edited values of the settings other than ``name`` that are valid on their own."""
        return {key: value for key, value in self._settings_valid_alone().items() if key != name}

    def _settings_valid_alone(self) -> dict[str, Any]:
        """Each setting's edited value that is valid with the applied settings; computed once per edit."""
        rows = [row for row in self._rows() if row.kind is None]
        fingerprint = (self._pipeline, tuple(row.field.value for row in rows))
        if self._valid_alone[0] != fingerprint:
            values = {}
            for row in rows:
                try:
                    value = row.field.value
                    if isinstance(row.field, Input):
                        value = self._parse_setting(row.field_name, value)
                    self._pipeline.with_overrides(**{row.field_name: value})
                except UsageError:
                    continue
                values[row.field_name] = value
            self._valid_alone = (fingerprint, values)
        return self._valid_alone[1]

    def set_definition(self, space: SearchSpace, pipeline: PipelineConfig) -> None:
        """Show ``space`` and ``pipeline``, dropping unapplied edits (e.g. when the app switches study)."""
        param_rows = [row.field_name for row in self._rows() if row.kind is not None]
        same_layout = type(pipeline) is type(self._pipeline) and space.names == tuple(param_rows)
        self._set_applied(space, pipeline)
        if same_layout:
            self._fill()
        else:
            self.refresh(recompose=True)

    def _fill(self) -> None:
        """Put the applied definitions back into every field."""
        params = {p.name: p for p in self._space.params}
        for row in self._rows():
            if row.field_name in params:
                row.field.value = _shown(params[row.field_name])
            else:
                value = getattr(self._pipeline, row.field_name)
                row.field.value = value if isinstance(row.field, (Switch, Select)) else inert(value)
            self._check_row(row)
        self._show_used_settings()

    def _show_used_settings(self) -> None:
        """Show the pipeline settings the edited switches use (a stage's settings appear with it)."""
        rows = [row for row in self._rows() if row.kind is None]
        switches = {row.field_name: row.field.value for row in rows if isinstance(row.field, Switch)}
        used = set(replace(self._pipeline, **switches).used_settings())
        for row in rows:
            row.display = row.field_name in used

    def _check_row(self, row: FieldRow) -> None:
        """Validate one row's text, showing or hiding its error."""
        if not isinstance(row.field, Input):
            return
        result = row.field.validate(row.field.value)
        if result is None or result.is_valid:
            row.show_error(None)
            if row.kind is not None:
                row.show_kind(param_kind(self._param_from_text(row.field_name, row.field.value)))
        else:
            row.show_error(_short_error(result.failure_descriptions[0], row.field_name))

    def edited_definition(self) -> tuple[SearchSpace, PipelineConfig]:
        """The space and pipeline as currently edited.

        Raises:
            UsageError: A field is invalid, or the fields together do not make a valid definition.
        """
        params, settings, invalid = [], {}, []
        for row in self._rows():
            try:
                if row.kind is not None:
                    params.append(self._param_from_text(row.field_name, row.field.value))
                elif isinstance(row.field, Input):
                    settings[row.field_name] = self._setting_from_text(row.field_name, row.field.value)
                else:
                    settings[row.field_name] = row.field.value
            except UsageError:
                invalid.append(row.field_name)
        if invalid:
            raise UsageError(f"Fix the invalid field(s) first: {', '.join(invalid)}")
        return space_with_params(self._space, params), self._pipeline.with_overrides(**settings)

    def action_apply(self) -> None:
        """Post `Applied` with the edited definitions, unless a field is invalid or nothing changed."""
        try:
            space, pipeline = self.edited_definition()
        except UsageError as err:
            self.notify(str(err), title="Not applied", severity="error")
            return
        if space == self._space and pipeline == self._pipeline:
            self.notify("Nothing changed", title="Not applied")
            return
        self._set_applied(space, pipeline)
        self.post_message(self.Applied(space, pipeline))
        self._post_edit_state()

    def action_reset(self) -> None:
        """Drop unapplied edits, restoring the last applied (or initial) definitions."""
        self._fill()

    @on(Button.Pressed, ".apply-button")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, ".reset-button")
    def _reset_pressed(self) -> None:
        self.action_reset()

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Input.Changed | Switch.Changed | Select.Changed) -> None:
        event.stop()
        changed = event.control.query_ancestor(FieldRow)
        for row in self._rows():
            # A pipeline setting may be valid or not depending on another (a sparsity range), so a
            # change to one rechecks them all.
            if row is changed or (changed.kind is None and row.kind is None):
                self._check_row(row)
        if isinstance(event, Switch.Changed):
            self._show_used_settings()
        self._post_edit_state()

    def _post_edit_state(self) -> None:
        """Post `Edited` when validity or the presence of unapplied edits has changed."""
        try:
            space, pipeline = self.edited_definition()
        except UsageError:
            state = (False, True)
        else:
            state = (True, (space, pipeline) != (self._space, self._pipeline))
        if state != self._edit_state:
            self._edit_state = state
            self.post_message(self.Edited(*state))

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < self._narrow_below, "-narrow")


@functools.cache
def _field_types(config_class: type) -> dict[str, Any]:
    return typing.get_type_hints(config_class)


def _short_error(message: str, name: str) -> str:
    """Drop the part of an error that names the field, since the row already shows the name."""
    for prefix in (f"{SOURCE}: parameter {name!r}: ", f"pipeline setting {name} ", "pipeline config: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _shown(param: Any) -> str:
    """A parameter's text in its field: a stored choice may hold control characters, shown escaped
    (applying the space then keeps the escaped text, not the control character)."""
    return inert(param_to_text(param))
