"""Marks and sorting of the trial table: space marks a trial for export, ``s``/``S`` and a header click sort.

A mixin of `TrialTable` (it uses the table's rows, lines, cursor and messages). A sort keeps the cursor on
its trial and says the order in a short notice; a click on a row moves the cursor there.
"""

from __future__ import annotations

from typing import Any

from textual import events

from tinynas_tui.tui.widgets.trial_table.lines import FIXED_WIDTH, WIDTHS
from tinynas_tui.tui.widgets.trial_table.rows import COLUMNS, SORTABLE, order_words


class MarksAndSorting:
    """Marking the highlighted trial, sorting by a column, and the mouse on the header and rows."""

    rows: Any
    lines: Any

    def action_toggle_mark(self: Any) -> None:
        number = self.highlighted_number
        if number is None:
            return
        self.rows.toggle_mark(number)
        self.lines.drop((number,))
        self._after_change()
        self.post_message(self.MarksChanged(frozenset(self.rows.marked)))
        self._count()

    def action_cycle_sort(self: Any) -> None:
        self.sort_by(SORTABLE[(SORTABLE.index(self.sort_column) + 1) % len(SORTABLE)], self.sort_reverse)

    def action_reverse_sort(self: Any) -> None:
        self.sort_by(self.sort_column, not self.sort_reverse)

    def sort_by(self: Any, column: str, reverse: bool = False) -> None:
        """Sort by a column's values (missing values last), keeping the cursor on its trial."""
        self.rows.sort(column, reverse)
        self._after_sort()
        self.notify(f"{self.lines.headers[column]}: {order_words(column, reverse)}", timeout=2)

    def _after_sort(self: Any) -> None:
        self._after_change()
        self._scroll_to_cursor()

    def on_click(self: Any, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x if offset.x < FIXED_WIDTH else offset.x + round(self.scroll_x)
            for (key, _, _), width in zip(COLUMNS, WIDTHS):
                if x < width:
                    self.sort_by(key, not self.sort_reverse if key == self.sort_column else False)
                    return
                x -= width
            return
        self.move_cursor(round(self.scroll_y) + offset.y - 1)
