"""The trial table's row cursor: moves by row, page and end, kept in view, and onto a trial by number.

A mixin of `TrialTable` (it uses the table's rows, follow mode, scrolling and repaints).
"""

from __future__ import annotations

from typing import Any


class CursorMoves:
    """The cursor's moves; a move by the user ends follow mode."""

    rows: Any
    _cursor_index: int
    _cursor_number: int | None

    def move_cursor(self, row: int) -> None:
        """Put the cursor on the row at display position ``row`` (clamped) and keep it in view.

        The user moved it: follow mode ends.
        """
        self.set_following(False)
        self._put_cursor(row)

    def _put_cursor(self, row: int) -> None:
        order = self.rows.order
        if not order:
            return
        index = min(max(row, 0), len(order) - 1)
        old = self._cursor_index
        self._cursor_index, self._cursor_number = index, order[index]
        self._refresh_row(old)
        self._refresh_row(index)
        self._scroll_to_cursor()
        self._announce()

    def move_to(self, number: int) -> None:
        """Put the cursor on a trial's row (if the filter shows it)."""
        if number in self.rows.shown:
            self.move_cursor(self.rows.order.index(number))
        elif number in self.rows.records:
            self.notify(f"Trial {number} is hidden by the filter (Escape clears it)", timeout=3)

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top, page = round(self.scroll_y), self._page
        if self._cursor_index < top:
            self.scroll_to(y=self._cursor_index, animate=False, immediate=True)
        elif self._cursor_index >= top + page:
            self.scroll_to(y=self._cursor_index - page + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        # A shorter table (a resized terminal, the split giving the detail room) must not lose the
        # cursor's row, the running trial's in follow mode, below its last line.
        if self.rows.order:
            self.call_after_refresh(self._scroll_to_cursor)

    def _refresh_row(self, index: int) -> None:
        self.refresh_line(index + 1)

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self._cursor_index + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self._cursor_index + step * self._page)

    def action_ends(self, step: int) -> None:
        self.move_cursor(0 if step < 0 else len(self.rows) - 1)
