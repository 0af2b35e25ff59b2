"""The study switcher: every study of the storage, its trials, best results and hypervolume; Enter opens one.

The list is read in a thread (`read` is the engine's `list_studies`, which blocks on storage); until it
arrives the screen says it is reading. Names come from storage: shown as inert text, never markup, and
cut (…) to what the table leaves them after the numbers.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.cells import cell_len
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

# The numbers before the name, their labels on two lines: at 80 columns that leaves a name ~28 columns.
COLUMNS = ("", "complete/\ntotal", "best\nacc", "best\nscore", "hyper-\nvolume", "study", "space", "dataset")
NAME_COLUMN = COLUMNS.index("study")
NAME_WIDTH = 48
"""The most a name takes in the list (it is whole in the header once opened)."""
MIN_NAME_WIDTH = 12
"""The least: on a screen too narrow even for this the table scrolls sideways."""


class StudiesListed(Message):
    """The storage's studies were read (or ``error`` says why not)."""

    def __init__(self, summaries: list[StudySummary], error: str | None = None) -> None:
        super().__init__()
        self.summaries = summaries
        self.error = error


def _number(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def summary_row(summary: StudySummary, current: bool, name_width: int = NAME_WIDTH) -> tuple[Text, ...]:
    """One study's cells, its name cut to ``name_width`` columns (…); ``▶`` marks the open one."""
    name = Text(inert(summary.name))
    name.truncate(name_width, overflow="ellipsis")
    counts = f"{summary.complete}/{summary.total}" + (f" ({summary.running} running)" if summary.running else "")
    cells = ("▶" if current else "", counts, _number(summary.best_accuracy, ".4f"),
             _number(summary.best_score, ".2f"), _number(summary.hypervolume, ".4f"), name.plain,
             inert(summary.space), inert(summary.dataset))
    return tuple(Text(cell, style="bold" if current else "") for cell in cells)


def name_width(rows: list[tuple[Text, ...]], table_width: int, cell_padding: int) -> int:
    """The columns a name may take: what ``table_width`` leaves after the columns before it, as wide as
    their labels and the ``rows``' cells, within `MIN_NAME_WIDTH`..`NAME_WIDTH`."""
    before = sum(max([0, *map(cell_len, label.splitlines())] + [row[i].cell_len for row in rows]) + 2 * cell_padding
                 for i, label in enumerate(COLUMNS[:NAME_COLUMN]))
    return max(MIN_NAME_WIDTH, min(NAME_WIDTH, table_width - before - 2 * cell_padding))


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
        self._summaries: list[StudySummary] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Studies in this storage", id="studies-title", markup=False)
            yield Static("Reading the studies…", id="studies-note", markup=False)
            table: DataTable[Any] = DataTable(id="studies-table", cursor_type="row", zebra_stripes=True,
                                              header_height=2)
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
        self._summaries = message.summaries
        self.names = [s.name for s in message.summaries]
        self._fill(self.names.index(self.current) if self.current in self.names else 0)
        count = len(self.names)
        note.update(f"{count} stud{'y' if count == 1 else 'ies'}; ▶ the open one. Best score with the weights "
                    f"{self._weights_text}; hypervolume from each study's own reference. Enter opens the "
                    "highlighted study (pause a running one first).")

    def _fill(self, cursor_row: int) -> None:
        """The rows, the names cut to the table's width as it is laid out now."""
        table = self.query_one(DataTable)
        summaries = self._summaries
        rows = [summary_row(s, s.name == self.current) for s in summaries]
        width = table.content_region.width
        if len(rows) + table.header_height > table.content_region.height:
            width -= table.styles.scrollbar_size_vertical  # the rows will scroll
        fitted = name_width(rows, width, table.cell_padding) if width > 0 else NAME_WIDTH
        table.clear()
        for summary in summaries:
            table.add_row(*summary_row(summary, summary.name == self.current, fitted))
        table.move_cursor(row=cursor_row)

    def on_resize(self) -> None:
        if self._summaries:  # the names are cut to the new width once it is laid out
            self.call_after_refresh(lambda: self._fill(self.query_one(DataTable).cursor_row))

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if self.names and 0 <= table.cursor_row < len(self.names):
            self.dismiss(self.names[table.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_choose()

    def action_cancel(self) -> None:
        self.dismiss(None)
