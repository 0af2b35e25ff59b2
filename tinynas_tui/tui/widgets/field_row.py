"""One labelled field of the space editor, with its validation and its one-line error."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Label, Static

from tinynas_tui.core.inert_text import inert, inert_lines
from tinynas_tui.errors import UsageError

KIND_LABELS = {"categorical": "cat", "int": "int", "float": "float"}
"""How a parameter row shows its kind beside its name."""


class TextCheck(Validator):
    """Validates an input's text with a parse function; its `UsageError` is the failure."""

    def __init__(self, parse: Callable[[str], object]) -> None:
        super().__init__()
        self._parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self._parse(value)
        except UsageError as err:
            return self.failure(str(err), value)
        return self.success()


class FieldRow(Vertical):
    """One labelled field, with a one-line error under it shown while the field is invalid."""

    DEFAULT_CSS = """
    FieldRow {
        height: auto;
        & > .field-line { height: auto; }
        & .field-head { width: auto; padding-right: 1; color: $text-muted; }
        /* The focused field in $accent: a compact field's own focus (a 5% tint) was all but invisible. */
        &.-focused .field-head { color: $accent; text-style: bold; }
        & Input, & Select { width: 1fr; }
        & Input:focus, & Select:focus > SelectCurrent { background: $accent 35%; }
        & Switch { border: none; padding: 0; height: 1; }
        & Switch:focus { border: none; background: $accent 35%; }
        & > .field-error { display: none; color: $text-error; padding-left: 2; }
        &.-invalid > .field-error { display: block; }
    }
    """

    def __init__(self, name: str, field: Widget, head_width: int, kind: str | None = None) -> None:
        super().__init__(classes="field-row")
        self.field_name = name
        self.field = field
        self.kind = kind
        self._head_width = head_width
        self._error: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-line"):
            yield Label(self._head(), classes="field-head")
            yield self.field
        yield Static("", classes="field-error", markup=False)

    # A class, not `:focus-within`: Textual restyles the focused widget's ancestors, not their other
    # children, so the label under `FieldRow:focus-within` kept its unfocused colour.
    def on_descendant_focus(self) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self) -> None:
        self.remove_class("-focused")

    def _head(self) -> Content:
        if self.kind is None:
            return Content(inert(self.field_name).ljust(self._head_width))
        name = inert(self.field_name).ljust(self._head_width - 6)
        return Content.assemble(name, " ", (KIND_LABELS[self.kind].ljust(5), "dim"))

    def show_kind(self, kind: str) -> None:
        """Relabel the row with the kind its text now parses to."""
        if kind != self.kind:
            self.kind = kind
            self.query_one(".field-head", Label).update(self._head())

    def show_error(self, message: str | None) -> None:
        """Show ``message`` under the field, or hide the error line when it is None."""
        if message == self._error:
            return
        self._error = message
        self.set_class(message is not None, "-invalid")
        self.query_one(".field-error", Static).update(f"✗ {inert_lines(message)}" if message else "")
