"""The live table of trials: a virtual table that renders only the rows on screen.

Rows are keyed by trial number and updated in place (never cleared, except for another study), so
the cursor stays on its trial across updates and sorts. The model (`TrialRows`) keeps the display
order; this widget draws the header and the visible rows with the Line API. 50,000 trials cost what 40
do on screen.

Strips are cached by what they show (the row's cells, cursor and stripe), and the widget remembers what
each screen line was drawn from. After any change it repaints only the lines whose content differs: a
finished trial re-ranks every row, but usually only a few ranks, scores or stars change on screen (a
full repaint of the table costs ~5 ms of the event loop on a busy machine).
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tinynas_tui.search.records import Ranking, TrialRecord
from tinynas_tui.tui.widgets.quiet_size import set_virtual_size
from tinynas_tui.tui.widgets.trial_rows import COLUMNS, HEADERS, SORTABLE, TrialRows, human_count

__all__ = ["COLUMNS", "TrialTable", "human_count"]
WIDTHS = [width + 2 for _, _, width in COLUMNS]  # one cell of padding each side
TOTAL_WIDTH = sum(WIDTHS)
CACHE_LIMIT = 2000


class TrialTable(ScrollView, can_focus=True):
    """One row per trial under a fixed header; a row cursor, marks for export, sorting by column."""

    DEFAULT_CSS = """
    TrialTable {
        height: 1fr;
        overflow-y: scroll;  /* a scrollbar appearing as rows are added would lay out the whole screen */
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .trial-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .trial-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .trial-table--even-row { background: $surface-darken-1 40%; }
        & > .trial-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .trial-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .trial-table--even-row { background: $surface-lighten-1 50%; }
        & > .trial-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    COMPONENT_CLASSES = {"trial-table--header", "trial-table--cursor", "trial-table--even-row"}

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", id="table.mark", tooltip="Mark the trial for export"),
        Binding("s", "cycle_sort", "Sort", id="table.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="table.reverse", tooltip="Reverse the sort order"),
        Binding("up", "cursor(-1)", "Up", show=False, id="table.up", tooltip="Previous trial"),
        Binding("down", "cursor(1)", "Down", show=False, id="table.down", tooltip="Next trial"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up", tooltip="One page up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down", tooltip="One page down"),
        Binding("home", "ends(-1)", "First", show=False, id="table.first", tooltip="First trial"),
        Binding("end", "ends(1)", "Last", show=False, id="table.last", tooltip="Last trial"),
    ]

    class Highlighted(Message):
        """The cursor is on another trial (or on none)."""

        def __init__(self, number: int | None) -> None:
            super().__init__()
            self.number = number

    class MarksChanged(Message):
        """The set of marked trials changed."""

        def __init__(self, marked: frozenset[int]) -> None:
            super().__init__()
            self.marked = marked

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows = TrialRows()
        self._cursor_number: int | None = None
        self._cursor_index = 0
        self._announced: int | None = None
        # One strip per row slot (trial number, cursor, stripe) with the line key it was drawn from: a row
        # whose cells change replaces its strip instead of leaving the old one behind.
        self._strips: dict[tuple, tuple[tuple, Strip]] = {}
        self._cells: dict[int, tuple] = {}  # trial number -> its cells under the current ranking and marks
        self._drawn: dict[int, tuple] = {}  # screen line -> the key it was last drawn from
        self._style_key: tuple = ()
        self._components: dict[str, Style] = {}  # component class -> style, for the current _style_key
        self._pass: tuple | None = None  # (scroll x, scroll y, width, base style) while render_lines runs

    # -- updates -------------------------------------------------------------------------------

    def update_rows(self, records: Iterable[TrialRecord], ranking: Ranking) -> None:
        """Add or update these trials' rows and show ``ranking``; other rows keep their order."""
        moves = self.rows.moves
        changed = self.rows.update(records, ranking)
        if changed is None:
            self._cells.clear()
        else:
            self._drop(changed)
        if changed is None or moves != self.rows.moves:
            self._after_change()
        else:
            self._repaint_changed()  # same rows in the same order: no cursor or size to update

    def upsert(self, record: TrialRecord, ranking: Ranking) -> None:
        """Add the trial's row, or update it."""
        self.update_rows((record,), ranking)

    def reset(self) -> None:
        """Empty the table for another study (the sort stays)."""
        self.rows.clear()
        self._cells.clear()
        self._cursor_number = None
        self._after_change()

    def _drop(self, numbers: Iterable[int]) -> None:
        """Forget these trials' cells (they changed)."""
        cells = self._cells
        for number in numbers:
            cells.pop(number, None)

    def _after_change(self) -> None:
        """Re-find the cursor's trial after the order changed, then repaint (no layout unless it grew)."""
        order, before = self.rows.order, self._cursor_index
        if self._cursor_number is None and order:
            self._cursor_number = order[0]
        if self._cursor_number is not None and order:
            self._cursor_index = order.index(self._cursor_number)
        else:
            self._cursor_index = 0
        set_virtual_size(self, Size(TOTAL_WIDTH, len(order) + 1))
        if self._cursor_index != before and self.is_mounted:
            # Rows came or went above the cursor: scroll with it, so its row stays on the same line.
            self.scroll_to(y=max(0, round(self.scroll_y) + self._cursor_index - before), animate=False,
                           immediate=True)
        self._repaint_changed()
        self._announce()

    def _repaint_changed(self) -> None:
        """Repaint the screen lines whose content differs from what they were drawn from."""
        if not self._drawn:
            self.refresh()  # nothing drawn yet (or everything to be drawn again)
            return
        scroll_x, scroll_y = self.scroll_offset
        view = (scroll_x, self.scrollable_content_region.width)
        drawn, start = self._drawn, None
        height = self.scrollable_content_region.height
        for y in range(height + 1):  # one past the end closes the last run
            stale = y < height and drawn.get(y) != (view, self._line_key(y, scroll_y))
            if stale and start is None:
                start = y
            elif not stale and start is not None:
                self.refresh_lines(scroll_y + start, y - start)  # (takes virtual lines)
                start = None

    def _announce(self) -> None:
        number = self.highlighted_number
        if number != self._announced:
            self._announced = number
            self.post_message(self.Highlighted(number))

    # -- the DataTable-like queries the app and tests use ------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def marked(self) -> set[int]:
        return self.rows.marked

    @property
    def sort_column(self) -> str:
        return self.rows.sort_column

    @property
    def sort_reverse(self) -> bool:
        return self.rows.sort_reverse

    @property
    def cursor_row(self) -> int:
        return self._cursor_index

    @property
    def highlighted_number(self) -> int | None:
        return self._cursor_number if self.rows.order else None

    def get_cell(self, row_key: str | int, column: str) -> str:
        """The text shown in a trial's cell."""
        return self.rows.cell_text(int(row_key), column)

    def get_row_at(self, index: int) -> list[str]:
        """The texts of the row at a display position."""
        return [text for text, _, _ in self.rows.cells(self.rows.order[index])]

    # -- cursor ------------------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        """Put the cursor on the row at display position ``row`` (clamped) and keep it in view."""
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
        """Put the cursor on a trial's row."""
        if number in self.rows.records:
            self.move_cursor(self.rows.order.index(number))

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top, page = round(self.scroll_y), self._page
        if self._cursor_index < top:
            self.scroll_to(y=self._cursor_index, animate=False, immediate=True)
        elif self._cursor_index >= top + page:
            self.scroll_to(y=self._cursor_index - page + 1, animate=False, immediate=True)

    def _refresh_row(self, index: int) -> None:
        self.refresh_line(index + 1)

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self._cursor_index + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self._cursor_index + step * self._page)

    def action_ends(self, step: int) -> None:
        self.move_cursor(0 if step < 0 else len(self.rows) - 1)

    # -- marks and sorting -------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        number = self.highlighted_number
        if number is None:
            return
        self.rows.toggle_mark(number)
        self._drop((number,))
        self._after_change()
        self.post_message(self.MarksChanged(frozenset(self.rows.marked)))

    def action_cycle_sort(self) -> None:
        self.sort_by(SORTABLE[(SORTABLE.index(self.sort_column) + 1) % len(SORTABLE)], self.sort_reverse)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_column, not self.sort_reverse)

    def sort_by(self, column: str, reverse: bool = False) -> None:
        """Sort by a column's values (missing values last), keeping the cursor on its trial."""
        self.rows.sort(column, reverse)
        self._after_sort()
        self.notify(f"sorted by {HEADERS[column]}" + (" (reversed)" if reverse else ""), timeout=2)

    def resort(self) -> None:
        """Sort all rows again (rows are kept sorted as they change, so this is rarely needed)."""
        self.rows.sort()
        self._after_sort()

    def _after_sort(self) -> None:
        self._after_change()
        self._scroll_to_cursor()

    # -- mouse ----------------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + round(self.scroll_x)
            for (key, _, _), width in zip(COLUMNS, WIDTHS):
                if x < width:
                    self.sort_by(key, not self.sort_reverse if key == self.sort_column else False)
                    return
                x -= width
            return
        self.move_cursor(round(self.scroll_y) + offset.y - 1)

    # -- rendering ----------------------------------------------------------------------------------

    def _check_styles(self) -> Any:
        base = self.rich_style
        key = (base, self.get_pseudo_class_state(), self.app.current_theme.name)
        if key != self._style_key:
            self._style_key = key
            self._strips.clear()
            self._drawn.clear()  # Textual repaints every line after a change of style
            self._components = {name: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES}
        if len(self._strips) > CACHE_LIMIT:
            self._strips.clear()
        if len(self._cells) > CACHE_LIMIT:
            self._cells.clear()
        return base

    def _component(self, name: str) -> Style:
        style = self._components.get(name)
        return self.get_component_rich_style(name) if style is None else style

    def _pass_values(self) -> tuple:
        scroll_x, scroll_y = self.scroll_offset
        return scroll_x, scroll_y, self.scrollable_content_region.width, self.rich_style

    def render_lines(self, crop: Any) -> list[Strip]:
        # `rich_style` walks the ancestors' styles (~25 µs): once per pass, not once per line.
        base = self._check_styles()
        scroll_x, scroll_y = self.scroll_offset
        self._pass = (scroll_x, scroll_y, self.scrollable_content_region.width, base)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y, width, base = self._pass or self._pass_values()
        key = self._line_key(y, scroll_y)
        if self._pass is not None:  # drawn into Textual's line cache (not a test's direct call)
            self._drawn[y] = ((scroll_x, width), key)
        if key is None:
            return Strip.blank(width, base)
        slot = key if y == 0 else (key[0], key[2], key[3])
        cached = self._strips.get(slot)
        if cached is not None and cached[0] == key:
            strip = cached[1]
        else:
            strip = self._header_strip(base) if y == 0 else self._row_strip(key, base)
            self._strips[slot] = (key, strip)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _line_key(self, y: int, scroll_y: int) -> tuple | None:
        """What screen line ``y`` shows: equal keys draw equal strips (None: a blank line)."""
        if y == 0:
            return ("header", self.sort_column, self.sort_reverse)
        index = scroll_y + y - 1
        if index >= len(self.rows):
            return None
        number = self.rows.order[index]
        cells = self._cells.get(number)
        if cells is None:
            cells = self._cells[number] = tuple(self.rows.cells(number))
        return (number, cells, index == self._cursor_index, index % 2)

    def _header_strip(self, base: Style) -> Strip:
        style = base + self._component("trial-table--header")
        text = "".join(" " + header.ljust(width) + " " for _, header, width in COLUMNS)
        return Strip([Segment(text, style)], TOTAL_WIDTH)

    def _row_strip(self, key: tuple, base: Style) -> Strip:
        _, cells, cursor, parity = key
        row_style = base + self._component("trial-table--even-row") if parity == 0 else base
        post = Style.null()
        if cursor:
            cursor_style = self._component("trial-table--cursor")
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
