"""The study switcher: every study of the storage, its trials and best results; Enter opens one.

The list is read in a thread (`read` is the engine's `list_studies`, which blocks on storage); until it
arrives the screen says it is reading. Names come from storage: shown as inert text, never markup.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.study_summary import StudySummary

# The numbers before the name: a long name would push them off an 80-column screen.
COLUMNS = ("", "complete/total", "best acc", "best score", "study", "space", "dataset")
NAME_WIDTH = 48  # a longer name is cut in the list (it is whole in the header once opened)


class StudiesListed(Message):
    """The storage's studies were read (or ``error`` says why not)."""

    def __init__(self, summaries: list[StudySummary], error: str | None = None) -> None:
        super().__init__()
        self.summaries = summaries
        self.error = error


def _number(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def summary_row(summary: StudySummary, current: bool) -> tuple[Text, ...]:
    """One study's cells: ``▶`` marks the open one."""
    name = inert(summary.name)
    if len(name) > NAME_WIDTH:
        name = name[:NAME_WIDTH - 1] + "…"
    counts = f"{summary.complete}/{summary.total}" + (f" ({summary.running} running)" if summary.running else "")
    cells = ("▶" if current else "", counts, _number(summary.best_accuracy, ".4f"),
             _number(summary.best_score, ".2f"), name, inert(summary.space), inert(summary.dataset))
    return tuple(Text(cell, style="bold" if current else "") for cell in cells)


class StudiesScreen(ModalScreen[str | None]):
    """Lists the studies; dismisses with the chosen study's name, or None."""

    DEFAULT_CSS = """
    StudiesScreen { align: center middle; }
    StudiesScreen > Vertical { width: 90%; max-width: 130; height: 80%; border: thick $primary;
                               background: $surface; padding: 0 1; }
    StudiesScreen #studies-title { text-style: bold; }
    StudiesScreen #studies-note { color: $text-muted; }
    StudiesScreen DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("enter", "choose", "Open", id="studies.open", tooltip="Open the highlighted study"),
        Binding("escape,q", "cancel", "Close", id="studies.close", tooltip="Keep the study that is open"),
    ]

    def __init__(self, read: Callable[[], list[StudySummary]], current: str | None, weights_text: str) -> None:
        super().__init__()
        self._read, self.current, self._weights_text = read, current, weights_text
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Studies in this storage", id="studies-title", markup=False)
            yield Static("Reading the studies…", id="studies-note", markup=False)
            table: DataTable[Any] = DataTable(id="studies-table", cursor_type="row", zebra_stripes=True)
            table.add_columns(*COLUMNS)
            yield table

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._list()

    @work(thread=True, exit_on_error=False)
    def _list(self) -> None:
        try:
            summaries = self._read()
        except Exception as err:  # noqa: BLE001 - shown in the screen; the study that is open stays
            self.post_message(StudiesListed([], f"{type(err).__name__}: {err}"))
            return
        self.post_message(StudiesListed(summaries))

    def on_studies_listed(self, message: StudiesListed) -> None:
        note = self.query_one("#studies-note", Static)
        if message.error is not None:
            note.update(inert(f"Cannot read the studies: {message.error}"))
            return
        table = self.query_one(DataTable)
        table.clear()
        self.names = [s.name for s in message.summaries]
        for summary in message.summaries:
            table.add_row(*summary_row(summary, summary.name == self.current))
        if self.current in self.names:
            table.move_cursor(row=self.names.index(self.current))
        count = len(self.names)
        note.update(f"{count} stud{'y' if count == 1 else 'ies'}; ▶ the open one. Best score with the weights "
                    f"{self._weights_text}. Enter opens the highlighted study (pause a running one first).")

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if self.names and 0 <= table.cursor_row < len(self.names):
            self.dismiss(self.names[table.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_choose()

    def action_cancel(self) -> None:
        self.dismiss(None)
