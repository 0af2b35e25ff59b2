"""A modal view of two trials side by side: parameters, objectives, other figures and layers.

Rows where the trials differ are marked ``≠`` and coloured; ``d`` shows only those. A trial read in
summary at opening (``partial``: no parameters) is read in full in a thread first; its `TrialRead`
bubbles on to the app, whose book then keeps the full record too.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.messages import TrialRead
from tinynas_tui.tui.screens.compare_rows import compare_sections, differs

DIFF_STYLE = "bold yellow"


class CompareScreen(ModalScreen[None]):
    """Two trials side by side.

    Args:
        records: The two trials (lower number first).
        ranking: The app's ranking (scores and ranks under the current weights and budgets).
        budgets: The current budgets.
        param_order: The search space's parameter order.
        engine: Reads a partial trial in full (`read_trial`).
    """

    DEFAULT_CSS = """
    CompareScreen {
        align: center middle;
        #compare-dialog {
            width: 96%; max-width: 150; height: 1fr; max-height: 46; margin: 1 0; padding: 0 1;
            border: round $accent; border-title-color: $text-accent; border-title-style: bold;
            border-subtitle-color: $foreground-muted; background: $surface;
        }
        &.-narrow #compare-dialog { width: 100%; margin: 0; }
        #compare-body { height: auto; }
    }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("d", "toggle_differences", "only differences", id="compare.differences",
                tooltip="Show only the rows where the two trials differ, or every row"),
        Binding("escape,q", "close", "close", id="compare.close", tooltip="Close the comparison"),
    ]

    only_differences: reactive[bool] = reactive(False, init=False)

    def __init__(self, records: tuple[TrialRecord, TrialRecord], ranking: Ranking, budgets: Budgets,
                 param_order: tuple[str, ...], engine: Any) -> None:
        super().__init__()
        self.records = list(records)
        self.ranking, self.budgets, self.param_order = ranking, budgets, param_order
        self.engine = engine
        self.unreadable: set[int] = set()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="compare-dialog"):
            yield Static(id="compare-body")
        yield Footer()

    def on_mount(self) -> None:
        a, b = self.records
        dialog = self.query_one("#compare-dialog")
        dialog.border_title = f"Trial {a.number} and trial {b.number}"
        for record in self.records:
            if record.partial:
                self._read(record.number)
        self._show()

    @work(thread=True, group="compare-read", exit_on_error=False)
    def _read(self, number: int) -> None:
        record = None
        try:
            record = self.engine.read_trial(number)
        finally:
            self.post_message(TrialRead(number, record))

    def on_trial_read(self, message: TrialRead) -> None:
        # Not stopped: it bubbles on to the app, which merges the full record into its book.
        for i, record in enumerate(self.records):
            if record.number == message.number:
                if message.record is None:
                    self.unreadable.add(message.number)
                else:
                    self.records[i] = message.record
        self._show()

    def watch_only_differences(self) -> None:
        self._show()

    def _subtitle(self) -> str:
        return "≠ differs · d: every row" if self.only_differences else "≠ differs · d: only differences"

    def action_toggle_differences(self) -> None:
        self.only_differences = not self.only_differences

    def action_close(self) -> None:
        self.dismiss(None)

    def _notes(self) -> list[Text]:
        notes = []
        for record in self.records:
            if record.number in self.unreadable:
                notes.append(Text(f"Trial {record.number}: could not read its parameters and figures.", "bold red"))
            elif record.partial:
                notes.append(Text(f"Trial {record.number}: reading its parameters and figures…", "italic"))
        return notes

    def renderable(self) -> Group:
        """The comparison as Rich renderables: notes, then one table of every section."""
        a, b = self.records
        table = Table(box=None, padding=(0, 1), show_edge=False, expand=True)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("", style="bold", ratio=2)
        table.add_column(f"#{a.number}", ratio=3, header_style="bold")
        table.add_column(f"#{b.number}", ratio=3, header_style="bold")
        for title, rows in compare_sections(a, b, self.ranking, self.budgets, self.param_order):
            shown = [row for row in rows if differs(row)] if self.only_differences else rows
            table.add_row("", Text(title, style="bold underline"), "", "")
            if not shown:
                table.add_row("", Text("the same in both" if rows else "none", style="italic dim"), "", "")
            for row in shown:
                style = DIFF_STYLE if differs(row) else ""
                table.add_row(Text("≠" if style else "", style), *(Text(inert(cell), style) for cell in row))
        if self.only_differences:
            table.caption = "only the rows that differ (d: every row)"
        return Group(*self._notes(), table)

    def _show(self) -> None:
        self.query_one("#compare-dialog").border_subtitle = self._subtitle()
        self.query_one("#compare-body", Static).update(self.renderable())

    def plain_text(self, width: int = 120) -> str:
        """What the view shows, as plain text (for tests)."""
        import io

        from rich.console import Console

        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(self.renderable())
        return console.file.getvalue()
