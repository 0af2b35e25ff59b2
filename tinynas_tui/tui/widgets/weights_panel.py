"""The score weights and the hardware budgets; every valid change re-ranks at once.

A field whose text is not a usable number is flagged (the input turns invalid and the error line under the
fields names it) and nothing is applied until it is fixed; pressing Enter on it also notifies.

Budgets here re-rank the table only; the line under them says what the study's own budgets are (those
its new trials are checked against), and the button asks to make these the study's (`ApplyRequested`).
"""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Label, Static

from tinynas_tui.core.budgets import Budgets, limit_text
from tinynas_tui.core.scoring import Weights

FIELDS: tuple[tuple[str, str, bool], ...] = (
    # (id, label, optional)
    ("w-acc", "accuracy ×", False),
    ("w-size", "size KiB ×", False),
    ("w-latency", "latency ms ×", False),
    ("b-flash", "max flash KiB", True),
    ("b-ram", "max RAM KiB", True),
    ("b-latency", "max latency ms", True),
)


def read_field(label: str, text: str, optional: bool) -> float | None:
    """The number in one field's text; None for a blank optional field.

    Args:
        label: The field's label, used to name it in the error.
        text: What the field holds.
        optional: Whether blank means "none" (budgets) rather than an error (weights).

    Raises:
        ValueError: One line naming the field and saying what it needs.
    """
    name, text = label.rstrip(" ×"), text.strip()
    needs = "a number above 0, or blank for none" if optional else "a number, 0 or more"
    if not text:
        if optional:
            return None
        raise ValueError(f"{name}: empty; expected {needs}")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number; expected {needs}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}: {text!r} is not finite; expected {needs}")
    if number < 0:
        raise ValueError(f"{name}: {text!r} is negative; it must be 0 or more")
    if optional and number == 0:
        raise ValueError(f"{name}: {text!r} is not above 0; expected {needs}")
    return number


class _FieldCheck(Validator):
    """Marks an input invalid (Textual's ``-invalid`` class) exactly when `read_field` refuses its text."""

    def __init__(self, label: str, optional: bool) -> None:
        super().__init__()
        self._label, self._optional = label, optional

    def validate(self, value: str) -> ValidationResult:
        try:
            read_field(self._label, value, self._optional)
        except ValueError as err:
            return self.failure(str(err), value)
        return self.success()


class WeightsPanel(Vertical):
    """Inputs for the three weights and three budgets, validated as you type."""

    DEFAULT_CSS = """
    WeightsPanel { height: auto; padding: 0 1; }
    WeightsPanel .row { height: 3; }
    WeightsPanel .row Label { width: 15; padding: 1 1 0 0; }
    WeightsPanel .row Input { width: 1fr; }
    WeightsPanel .row Input:focus { border: tall $accent; background: $accent 20%; }
    WeightsPanel #weights-error { color: $error; height: auto; }
    WeightsPanel .section { text-style: bold; margin-top: 1; }
    WeightsPanel #study-budgets { color: $text-muted; height: auto; margin-top: 1; }
    WeightsPanel #study-budgets.-differ { color: $warning; }
    WeightsPanel #apply-budgets { width: 100%; margin-top: 1; }
    """

    class Changed(Message):
        """New valid weights and budgets."""

        def __init__(self, weights: Weights, budgets: Budgets) -> None:
            super().__init__()
            self.weights = weights
            self.budgets = budgets

    class ApplyRequested(Message):
        """The user asks to make the panel's budgets the study's own (the app confirms first)."""

    def __init__(self, weights: Weights, budgets: Budgets, study_budgets: Budgets | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weights = weights
        self.budgets = budgets
        self.study_budgets = study_budgets or Budgets()

    def compose(self) -> ComposeResult:
        values = {
            "w-acc": self.weights.accuracy, "w-size": self.weights.size_kb, "w-latency": self.weights.latency_ms,
            "b-flash": self.budgets.max_flash_kb, "b-ram": self.budgets.max_ram_kb,
            "b-latency": self.budgets.max_latency_ms,
        }
        yield Static("score = acc×A − size×S − latency×L", classes="section")
        for field_id, label, optional in FIELDS:
            if field_id == "b-flash":
                yield Static("budgets (blank: none)", classes="section")
            value = values[field_id]
            with Horizontal(classes="row"):
                yield Label(label)
                yield Input("" if value is None else f"{value:g}", id=field_id, type="number",
                            placeholder="none" if optional else "0", validators=[_FieldCheck(label, optional)])
        yield Static("", id="weights-error", markup=False)
        yield Static(self._study_line(), id="study-budgets", markup=False)
        yield Button("Apply budgets to new trials (ctrl+b)", id="apply-budgets",
                     tooltip="Make these budgets the study's: new trials over them are skipped before training")

    def _study_line(self) -> str:
        """The study's own budgets in words, and whether the panel's differ from them."""
        own = ", ".join(limit_text(name, limit) for name, _, limit in self.study_budgets.limits())
        if not own:
            line = "Study's budgets: none; budgets here re-rank only, until applied."
        else:
            line = f"Study's budgets (applied to new trials: over them, skipped before training): {own}."
            if self.budgets != self.study_budgets:
                line += " Those here differ: they re-rank only, until applied."
        return line

    def _update_study_line(self) -> None:
        if self.is_mounted:
            line = self.query_one("#study-budgets", Static)
            line.update(self._study_line())
            line.set_class(self.budgets != self.study_budgets, "-differ")

    def show(self, weights: Weights, budgets: Budgets, study_budgets: Budgets) -> None:
        """Show these (a study just opened, or budgets just applied) without posting `Changed`."""
        self.weights, self.budgets, self.study_budgets = weights, budgets, study_budgets
        values = {"w-acc": weights.accuracy, "w-size": weights.size_kb, "w-latency": weights.latency_ms,
                  "b-flash": budgets.max_flash_kb, "b-ram": budgets.max_ram_kb, "b-latency": budgets.max_latency_ms}
        for field_id, value in values.items():
            field = self.query_one(f"#{field_id}", Input)
            text = "" if value is None else f"{value:g}"
            if field.value != text:
                field.value = text  # its Changed finds the panel's values equal: nothing is posted
        self.query_one("#weights-error", Static).update("")
        self._update_study_line()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply-budgets":
            event.stop()
            self.post_message(self.ApplyRequested())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        error = self.query_one("#weights-error", Static)
        try:
            weights, budgets = self._read()
        except ValueError as err:
            error.update(f"✗ {err} (not applied)")
            return
        error.update("")
        if (weights, budgets) != (self.weights, self.budgets):
            self.weights, self.budgets = weights, budgets
            self._update_study_line()
            self.post_message(self.Changed(weights, budgets))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on a bad field: say so in a notification too, as the error line may be out of sight."""
        event.stop()
        try:
            self._read()
        except ValueError as err:
            self.notify(str(err), title="Not applied", severity="error")

    def _read(self) -> tuple[Weights, Budgets]:
        values = {field_id: read_field(label, self.query_one(f"#{field_id}", Input).value, optional)
                  for field_id, label, optional in FIELDS}
        weights = Weights(values["w-acc"], values["w-size"], values["w-latency"])
        budgets = Budgets(values["b-flash"], values["b-ram"], values["b-latency"])
        return weights, budgets
