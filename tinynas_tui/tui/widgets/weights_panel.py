"""The score weights and the hardware budgets; every valid change re-ranks at once."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from tinynas_tui.search.records import Budgets
from tinynas_tui.search.scoring import Weights

FIELDS: tuple[tuple[str, str, bool], ...] = (
    # (id, label, optional)
    ("w-acc", "accuracy ×", False),
    ("w-size", "size KB ×", False),
    ("w-latency", "latency ms ×", False),
    ("b-flash", "max flash KB", True),
    ("b-ram", "max RAM KB", True),
    ("b-latency", "max latency ms", True),
)


class WeightsPanel(Vertical):
    """Inputs for the three weights and three budgets, validated as you type."""

    DEFAULT_CSS = """
    WeightsPanel { height: auto; padding: 0 1; }
    WeightsPanel .row { height: 3; }
    WeightsPanel .row Label { width: 15; padding: 1 1 0 0; }
    WeightsPanel .row Input { width: 1fr; }
    WeightsPanel #weights-error { color: $error; height: auto; }
    WeightsPanel .section { text-style: bold; margin-top: 1; }
    """

    class Changed(Message):
        """New valid weights and budgets."""

        def __init__(self, weights: Weights, budgets: Budgets) -> None:
            super().__init__()
            self.weights = weights
            self.budgets = budgets

    def __init__(self, weights: Weights, budgets: Budgets, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weights = weights
        self.budgets = budgets

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
                            placeholder="none" if optional else "0")
        yield Static("", id="weights-error")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        error = self.query_one("#weights-error", Static)
        try:
            weights, budgets = self._read()
        except ValueError as err:
            error.update(str(err))
            return
        error.update("")
        if (weights, budgets) != (self.weights, self.budgets):
            self.weights, self.budgets = weights, budgets
            self.post_message(self.Changed(weights, budgets))

    def _read(self) -> tuple[Weights, Budgets]:
        values: dict[str, float | None] = {}
        for field_id, label, optional in FIELDS:
            text = self.query_one(f"#{field_id}", Input).value.strip()
            if not text and optional:
                values[field_id] = None
                continue
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"{label.rstrip(' ×')}: a number is needed") from None
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"{label.rstrip(' ×')}: must be 0 or more")
            if optional and number == 0:
                raise ValueError(f"{label}: must be above 0 (blank for none)")
            values[field_id] = number
        weights = Weights(values["w-acc"], values["w-size"], values["w-latency"])
        budgets = Budgets(values["b-flash"], values["b-ram"], values["b-latency"])
        return weights, budgets
