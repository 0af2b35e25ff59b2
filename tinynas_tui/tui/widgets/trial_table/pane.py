"""The trial table with its one-line bar: the filter and the number of marked trials, always in view,
and the filter's input while it is edited (``/``)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.trial_filter import TrialFilter, parse_filter
from tinynas_tui.errors import UsageError
from tinynas_tui.tui.widgets.trial_table.table import TrialTable

PLACEHOLDER = "complete, budgets, front, num_filters=16 (Enter applies, Escape closes, empty: every trial)"


def bar_text(shown: int, total: int, marked: int, marked_hidden: int, flt: TrialFilter) -> Text:
    """The bar's line: ``filter: complete, on front · 12 of 340 trials · 2 marked (1 hidden)``."""
    text = Text()
    if flt.active:
        text.append("filter: ", "bold")
        text.append(inert(flt.describe()), "bold yellow")
        text.append(f" · {shown:,} of {total:,} trials · ")
    if marked:
        text.append(f"{marked:,} marked", "bold cyan")
        if marked_hidden:
            text.append(f", {marked_hidden:,} hidden")
    else:
        text.append("none marked", "dim")
    if not flt.active:
        text.append(" · / filters", "dim")
    return text


class FilterInput(Input):
    """The filter as typed; Escape gives the keys back to the table."""

    DEFAULT_CSS = """
    FilterInput, FilterInput:focus {
        height: 1;
        border: none;
        padding: 0 1;
        display: none;
        &.-open { display: block; }
    }
    """

    BINDINGS = [Binding("escape", "close", "Close", id="table.filter_close", tooltip="Close the filter, unchanged")]

    def action_close(self) -> None:
        self.parent.close_filter()  # type: ignore[union-attr]


class TablePane(Vertical):
    """The table over its bar."""

    DEFAULT_CSS = """
    TablePane {
        height: 1fr;
        min-height: 6;
        & > #table-bar { width: 1fr; height: 1; padding: 0 1; color: $text-muted; }
    }
    """

    def __init__(self, table: TrialTable, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.bar = Static(bar_text(0, 0, 0, 0, TrialFilter()), id="table-bar")
        self.input = FilterInput(placeholder=PLACEHOLDER, id="table-filter")

    def compose(self) -> ComposeResult:
        yield self.table
        yield self.input
        yield self.bar

    def on_trial_table_counts_changed(self, event: TrialTable.CountsChanged) -> None:
        # One line of a fixed size: no layout (a layout of the screen on every new trial costs the loop ms).
        self.bar.update(bar_text(event.shown, event.total, event.marked, event.marked_hidden, event.filter),
                        layout=False)

    def on_trial_table_filter_requested(self, event: TrialTable.FilterRequested) -> None:
        event.stop()
        self.input.value = self.table.filter.describe()
        self.input.add_class("-open")
        self.input.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        info = getattr(self.app, "info", None)
        names = info.space.names if info is not None else None
        try:
            flt = parse_filter(event.value, names)
        except UsageError as err:
            self.notify(str(err), title="Filter", severity="warning", timeout=5)
            return
        # In the table's own turn: a message it posts from here would count this pane as its sender, and
        # stop bubbling here (the app would never see `ParamsWanted`).
        self.table.call_later(self.table.set_filter, flt)
        self.close_filter()

    def close_filter(self) -> None:
        self.input.remove_class("-open")
        self.table.focus()
