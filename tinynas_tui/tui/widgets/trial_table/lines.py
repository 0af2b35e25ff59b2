"""The trial table's lines: what each screen line shows, and its strip, cached.

A line's key says what it shows (for a row: the trial, its cells under the current ranking and marks,
the cursor, the stripe); equal keys draw equal strips. Each row slot (trial, cursor, stripe) keeps one
strip with the key it was drawn from, so a row whose cells change replaces its strip instead of
leaving the old one behind (a running trial's row changes with every stage).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tinynas_tui.tui.widgets.trial_table.columns import FIXED_COLUMNS
from tinynas_tui.tui.widgets.trial_table.rows import ASCENDING, COLUMNS, DESCENDING, TrialRows

WIDTHS = [width + 2 for _, _, width in COLUMNS]  # one cell of padding each side
TOTAL_WIDTH = sum(WIDTHS)
FIXED_WIDTH = sum(WIDTHS[:FIXED_COLUMNS])
"""Screen columns of the fixed first columns (they never scroll)."""
CACHE_LIMIT = 2000
COMPONENTS = ("trial-table--header", "trial-table--cursor", "trial-table--even-row")


class TrialLines:
    """Line keys and cached strips of a `TrialTable` over its `TrialRows` model."""

    def __init__(self, rows: TrialRows) -> None:
        self.rows = rows
        self.strips: dict[tuple, tuple[tuple, Strip]] = {}  # slot -> (key it was drawn from, strip)
        self.cells: dict[int, tuple] = {}  # trial number -> its cells under the current ranking and marks
        self._style_key: tuple = ()
        self._components: dict[str, Style] = {}
        self.headers = {key: header for key, header, _ in COLUMNS}
        """Each column's header text (the latency column names the study's board)."""

    def check_styles(self, key: tuple, component: Callable[[str], Style]) -> bool:
        """Take the widget's style ``key``; True (and every strip dropped) if it changed."""
        changed = key != self._style_key
        if changed:
            self._style_key = key
            self.strips.clear()
            self._components = {name: component(name) for name in COMPONENTS}
        if len(self.strips) > CACHE_LIMIT:
            self.strips.clear()
        if len(self.cells) > CACHE_LIMIT:
            self.cells.clear()
        return changed

    def drop(self, numbers: Iterable[int] | None = None) -> None:
        """Forget these trials' cells (they changed), or every trial's (another ranking)."""
        if numbers is None:
            self.cells.clear()
            return
        for number in numbers:
            self.cells.pop(number, None)

    def key(self, y: int, scroll_y: int, cursor_index: int, sort: tuple) -> tuple | None:
        """What screen line ``y`` shows: equal keys draw equal strips (None: a blank line)."""
        if y == 0:
            return ("header", tuple(self.headers.values()), *sort)
        index = scroll_y + y - 1
        if index >= len(self.rows):
            return None
        number = self.rows.order[index]
        cells = self.cells.get(number)
        if cells is None:
            cells = self.cells[number] = tuple(self.rows.cells(number))
        return (number, cells, index == cursor_index, index % 2)

    def strip(self, key: tuple, base: Style) -> Strip:
        """The full-width strip for a line ``key`` (from the cache when its slot was drawn from it)."""
        slot = key if key[0] == "header" else (key[0], key[2], key[3])
        cached = self.strips.get(slot)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self._header_strip(key, base) if key[0] == "header" else self._row_strip(key, base)
        self.strips[slot] = (key, strip)
        return strip

    def header_text(self, sort_column: str, sort_reverse: bool) -> str:
        """The header line: each column's header, the sorted one ending in ▲ (ascending) or ▼."""
        arrow = DESCENDING if sort_reverse else ASCENDING
        cells = []
        for key, _, width in COLUMNS:
            header = self.headers[key]
            if key == sort_column:  # the arrow replaces the header's last character if it does not fit
                header = header + arrow if len(header) < width else header[: width - 1] + arrow
            cells.append(" " + header[:width].ljust(width) + " ")
        return "".join(cells)

    def _header_strip(self, key: tuple, base: Style) -> Strip:
        style = base + self._components["trial-table--header"]
        return Strip([Segment(self.header_text(key[2], key[3]), style)], TOTAL_WIDTH)

    def _row_strip(self, key: tuple, base: Style) -> Strip:
        _, cells, cursor, parity = key
        row_style = base + self._components["trial-table--even-row"] if parity == 0 else base
        post = Style.null()
        if cursor:
            cursor_style = self._components["trial-table--cursor"]
            row_style += cursor_style
            post = Style.from_color(color=cursor_style.color)  # the cursor's colour wins, like DataTable's
        segments = []
        for (text, style, right), (_, _, width) in zip(cells, COLUMNS):
            if len(text) > width:
                text = text[: width - 1] + "…"
            cell = text.rjust(width) if right else text.ljust(width)
            segments.append(Segment(" " + cell + " ", row_style + _style(style) + post))
        return Strip(segments, TOTAL_WIDTH).simplify()


_STYLES: dict[str, Style] = {}


def _style(name: str) -> Style:
    style = _STYLES.get(name)
    if style is None:
        style = _STYLES[name] = Style.parse(name) if name else Style.null()
    return style


__all__: list[Any] = ["FIXED_WIDTH", "TOTAL_WIDTH", "TrialLines", "WIDTHS"]
