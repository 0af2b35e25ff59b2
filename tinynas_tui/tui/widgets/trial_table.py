"""The live table of trials: updated cell by cell by row key, sortable, with marks for export."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from tinynas_tui.search.records import Ranking, TrialRecord

# (key, header, width) in display order: what decides a ranking first, so 80 columns show it all.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("mark", "✓", 1),
    ("number", "#", 4),
    ("state", "state", 12),
    ("acc", "acc", 6),
    ("size", "size KB", 7),
    ("latency", "lat ms", 6),
    ("score", "score", 6),
    ("rank", "rank", 4),
    ("pareto", "P", 1),
    ("float_acc", "f.acc", 6),
    ("arena", "arena KB", 8),
    ("macs", "MACs", 7),
)
SORTABLE = tuple(key for key, _, _ in COLUMNS)
# Rich renders the cells, so ANSI colour names: they follow the terminal's own palette.
STATE_STYLES = {"running": "bold cyan", "complete": "green", "pruned": "yellow", "failed": "red", "waiting": "dim"}
MARK_STYLE = "bold cyan"
FRONT_STYLE = "bold yellow"


def _num(value: float | None, fmt: str) -> Text:
    return Text("—" if value is None else format(value, fmt), justify="right")


def human_count(n: int | None) -> str:
    if n is None:
        return "—"
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


class TrialTable(DataTable):
    """One row per trial, keyed by trial number.

    Rows are added with ``add_row(key=...)`` and changed with ``update_cell``; the table is never
    cleared, so the cursor and the scroll position survive every update.
    """

    DEFAULT_CSS = """
    TrialTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", id="table.mark", tooltip="Mark the trial for export"),
        Binding("s", "cycle_sort", "Sort", id="table.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="table.reverse",
                tooltip="Reverse the sort order"),
    ]

    class MarksChanged(Message):
        """The set of marked trials changed."""

        def __init__(self, marked: frozenset[int]) -> None:
            super().__init__()
            self.marked = marked

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.marked: set[int] = set()
        self.sort_column: str = "number"
        self.sort_reverse = False
        # What each row shows now, so an update touches only the cells that changed.
        self._shown: dict[int, dict[str, str]] = {}
        self._raw: dict[int, dict[str, Any]] = {}

    def on_mount(self) -> None:
        for key, header, width in COLUMNS:
            self.add_column(header, key=key, width=width)

    # -- updates -------------------------------------------------------------------------------

    def upsert(self, record: TrialRecord, ranking: Ranking) -> None:
        """Add the trial's row, or update the cells of it that changed."""
        cells, raw = self._cells(record, ranking)
        self._raw[record.number] = raw
        key = str(record.number)
        shown = self._shown.get(record.number)
        if shown is None:
            self.add_row(*(cells[k] for k, _, _ in COLUMNS), key=key)
            self._shown[record.number] = {k: str(v) for k, v in cells.items()}
            return
        for column, cell in cells.items():
            text = str(cell)
            if shown.get(column) != text:
                shown[column] = text
                self.update_cell(key, column, cell)

    def refresh_ranking(self, records: list[TrialRecord], ranking: Ranking) -> None:
        """Re-score every row after the weights or budgets changed."""
        for record in records:
            if record.number in self._shown:
                self.upsert(record, ranking)

    def _cells(self, r: TrialRecord, ranking: Ranking) -> tuple[dict[str, Any], dict[str, Any]]:
        score = ranking.scores.get(r.number)
        rank = ranking.ranks.get(r.number)
        state = r.state if r.state != "running" else f"▶ {r.stage or 'starting'}"
        on_front = r.number in ranking.front
        feasible = r.number in ranking.feasible or r.state != "complete"
        macs = r.attrs.get("macs")
        raw = {
            "mark": r.number in self.marked, "number": r.number, "state": r.state, "acc": r.accuracy,
            "float_acc": r.attrs.get("float_accuracy"), "size": r.size_kb, "latency": r.latency_ms,
            "arena": r.arena_kb, "macs": macs, "score": score, "rank": rank, "pareto": on_front,
        }
        cells = {
            "mark": Text("✓" if r.number in self.marked else " ", style=MARK_STYLE),
            "number": Text(str(r.number), justify="right"),
            "state": Text(state, style=STATE_STYLES.get(r.state, "")),
            "acc": _num(r.accuracy, ".4f"),
            "float_acc": _num(r.attrs.get("float_accuracy"), ".4f"),
            "size": _num(r.size_kb, ".1f"),
            "latency": _num(r.latency_ms, ".2f"),
            "arena": _num(r.arena_kb, ".1f"),
            "macs": Text(human_count(macs) if macs is not None else "—", justify="right"),
            "score": _num(score, ".2f"),
            "rank": Text("—" if rank is None else str(rank) + ("" if feasible else "✗"), justify="right"),
            "pareto": Text("★" if on_front else " ", style=FRONT_STYLE),
        }
        return cells, raw

    def reset(self) -> None:
        """Empty the table for another study (columns stay)."""
        self.clear()
        self.marked.clear()
        self._shown.clear()
        self._raw.clear()

    # -- cursor, marks, sorting ------------------------------------------------------------------

    @property
    def highlighted_number(self) -> int | None:
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    def move_to(self, number: int) -> None:
        """Put the cursor on a trial's row."""
        key = str(number)
        if number in self._shown:
            self.move_cursor(row=self.get_row_index(key))

    def action_toggle_mark(self) -> None:
        number = self.highlighted_number
        if number is None:
            return
        self.marked ^= {number}
        self.update_cell(str(number), "mark", Text("✓" if number in self.marked else " ", style=MARK_STYLE))
        self._shown[number]["mark"] = "✓" if number in self.marked else " "
        self.post_message(self.MarksChanged(frozenset(self.marked)))

    def action_cycle_sort(self) -> None:
        order = list(SORTABLE)
        self.sort_by(order[(order.index(self.sort_column) + 1) % len(order)], self.sort_reverse)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_column, not self.sort_reverse)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_by(column, reverse)

    def sort_by(self, column: str, reverse: bool = False) -> None:
        """Sort by a column's values (missing values last), keeping the cursor on its trial."""
        self.sort_column, self.sort_reverse = column, reverse
        self._apply_sort()
        header = dict((k, h) for k, h, _ in COLUMNS)[column]
        self.notify(f"sorted by {header}" + (" (reversed)" if reverse else ""), timeout=2)

    def resort(self) -> None:
        """Apply the current sort again after new rows arrived."""
        if self.sort_column != "number" or self.sort_reverse:
            self._apply_sort()

    def _apply_sort(self) -> None:
        keep = self.highlighted_number
        column, reverse = self.sort_column, self.sort_reverse

        def key(cell: Any) -> tuple:
            number = int(str(cell))
            value = self._raw.get(number, {}).get(column)
            missing = value is None
            # Missing values sort last whichever the direction.
            return (missing != reverse, 0 if missing else value, number)

        self.sort("number", key=key, reverse=reverse)
        if keep is not None:
            self.move_to(keep)
