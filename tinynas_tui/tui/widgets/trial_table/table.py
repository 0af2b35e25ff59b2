"""The live table of trials: a virtual table that renders only the rows on screen.

Rows are keyed by trial number and updated in place (never cleared, except for another study), so
the cursor stays on its trial across updates and sorts. The model (`TrialRows`) keeps the display
order; this widget draws the header and the visible rows with the Line API. 50,000 trials cost what 40
do on screen.

Strips are cached by what they show (`TrialLines`: the row's cells, cursor and stripe), and the widget
remembers what each screen line was drawn from. After any change it repaints only the lines whose content differs: a
finished trial re-ranks every row, but usually only a few ranks, scores or stars change on screen (a
full repaint of the table costs ~5 ms of the event loop on a busy machine).
"""

from __future__ import annotations

from typing import Any, Iterable

from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.trial_filter import TrialFilter
from tinynas_tui.tui.widgets.trial_table.cursor import CursorMoves
from tinynas_tui.tui.widgets.trial_table.filtering import Filtering
from tinynas_tui.tui.widgets.trial_table.follow import FollowMode
from tinynas_tui.tui.widgets.trial_table.sorting import MarksAndSorting
from tinynas_tui.tui.widgets.quiet_size import refresh_stale_lines, set_virtual_size
from tinynas_tui.tui.widgets.trial_table.lines import COMPONENTS, FIXED_WIDTH, TOTAL_WIDTH, TrialLines
from tinynas_tui.tui.widgets.trial_table.rows import COLUMNS, TrialRows, human_count, latency_header

__all__ = ["COLUMNS", "TrialTable", "human_count"]


MOVE = Binding.Group("move the cursor")
"""The cursor moves (arrows, pages, ends): keys every user knows, left out of the command palette."""


class TrialTable(CursorMoves, FollowMode, Filtering, MarksAndSorting, ScrollView, can_focus=True):
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

    COMPONENT_CLASSES = set(COMPONENTS)

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", id="table.mark", tooltip="Mark the trial for export"),
        Binding("s", "cycle_sort", "Sort", id="table.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="table.reverse", tooltip="Reverse the sort order"),
        Binding("f", "toggle_follow", "Follow", show=False, id="table.follow",
                tooltip="Keep the running (or newest) trial highlighted as trials start; moving the cursor stops it"),
        Binding("slash", "filter", "Filter", show=False, id="table.filter",  # the bar says "/ filters"
                tooltip="Show only some trials: complete, within budgets, on the front, name=value"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="table.clear_filter",
                tooltip="Show every trial again (while a filter is on)"),
        Binding("g", "best", "Best", show=False, id="table.best", tooltip="Go to the best-ranked trial"),
        Binding("up", "cursor(-1)", "Up", show=False, group=MOVE, id="table.up", tooltip="Previous trial"),
        Binding("down", "cursor(1)", "Down", show=False, group=MOVE, id="table.down", tooltip="Next trial"),
        Binding("pageup", "page(-1)", "Page up", show=False, group=MOVE, id="table.page_up", tooltip="One page up"),
        Binding("pagedown", "page(1)", "Page down", show=False, group=MOVE, id="table.page_down", tooltip="One page down"),
        Binding("home", "ends(-1)", "First", show=False, group=MOVE, id="table.first", tooltip="First trial"),
        Binding("end", "ends(1)", "Last", show=False, group=MOVE, id="table.last", tooltip="Last trial"),
    ]

    class Highlighted(Message):
        """The cursor is on another trial (or on none)."""

        def __init__(self, number: int | None) -> None:
            super().__init__()
            self.number = number

    class FollowChanged(Message):
        """Follow mode was turned on or off."""

        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    class MarksChanged(Message):
        """The set of marked trials changed."""

        def __init__(self, marked: frozenset[int]) -> None:
            super().__init__()
            self.marked = marked

    class FilterRequested(Message):
        """The user asked to edit the filter (the pane around the table opens its bar)."""

    class CountsChanged(Message):
        """The trials shown or marked changed in number (or the filter changed)."""

        def __init__(self, shown: int, total: int, marked: int, marked_hidden: int, flt: TrialFilter) -> None:
            super().__init__()
            self.shown, self.total, self.marked, self.marked_hidden, self.filter = (
                shown, total, marked, marked_hidden, flt)

    class ParamsWanted(Message):
        """Trials without their parameters (read in summary) are in the table.

        ``needed``: a filter on parameters is on, so they matter now.
        """

        def __init__(self, missing: int, needed: bool) -> None:
            super().__init__()
            self.missing, self.needed = missing, needed

    def __init__(self, follow: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows = TrialRows()
        self._following = follow
        # The trials running now and the newest trial: where follow mode keeps the cursor, known without
        # a walk over every row on each event.
        self._running_trials: set[int] = set()
        self._counts: tuple | None = None
        self._params_checked = False
        self._cursor_number: int | None = None
        self._cursor_index = 0
        self._announced: int | None = None
        # One strip per row slot (trial number, cursor, stripe) with the line key it was drawn from: a row
        # whose cells change replaces its strip instead of leaving the old one behind.
        self.lines = TrialLines(self.rows)
        self._drawn: dict[int, tuple] = {}  # screen line -> the key it was last drawn from
        self._pass: tuple | None = None  # (scroll x, scroll y, width, base style) while render_lines runs

    # -- updates -------------------------------------------------------------------------------

    def update_rows(self, records: Iterable[TrialRecord], ranking: Ranking) -> None:
        """Add or update these trials' rows and show ``ranking``; other rows keep their order.

        In follow mode the cursor goes to the newest running trial (or the newest trial).
        """
        records = list(records)
        for record in records:
            if record.state == "running":
                self._running_trials.add(record.number)
            else:
                self._running_trials.discard(record.number)
        moves = self.rows.moves
        changed = self.rows.update(records, ranking)
        self.lines.drop(changed)
        if not self._params_checked and records:
            self._params_checked = True
            self._check_params(needed=False)
        followed = self._follow_target()
        if followed is not None and followed != self._cursor_number:
            self._cursor_number = followed
            self._after_change()
            self._scroll_to_cursor()
        elif changed is None or moves != self.rows.moves:
            self._after_change()
        else:
            self._repaint_changed()  # same rows in the same order: no cursor or size to update
            self._count()  # a trial the filter hides still counts

    def set_latency_board(self, board: str | None) -> None:
        """Name the board (None: the host CPU) in the latency column's header."""
        header = latency_header(board)
        if self.lines.headers["latency"] != header:
            self.lines.headers["latency"] = header
            self.refresh(Region(0, 0, self.size.width, 1))  # the header is the first screen line

    def reset(self) -> None:
        """Empty the table for another study (the sort stays)."""
        self.rows.clear()
        self.lines.drop()
        self._cursor_number = None
        self._running_trials.clear()
        self._params_checked = False
        self._after_change()

    def _after_change(self) -> None:
        """Re-find the cursor's trial after the order changed, then repaint (no layout unless it grew)."""
        order, before = self.rows.order, self._cursor_index
        if self._cursor_number is None and order:
            self._cursor_number = order[0]
        if self._cursor_number is not None and order:
            if self._cursor_number in self.rows.shown:
                self._cursor_index = order.index(self._cursor_number)
            else:  # the filter hid its trial: the row now at its place
                self._cursor_index = min(before, len(order) - 1)
                self._cursor_number = order[self._cursor_index]
        else:
            self._cursor_index = 0
        set_virtual_size(self, Size(TOTAL_WIDTH, len(order) + 1))
        if self._cursor_index != before and self.is_mounted:
            # Rows came or went above the cursor: scroll with it, so its row stays on the same line.
            self.scroll_to(y=max(0, round(self.scroll_y) + self._cursor_index - before), animate=False,
                           immediate=True)
        self._repaint_changed()
        self._announce()
        self._count()

    def _repaint_changed(self) -> None:
        """Repaint the screen lines whose content differs from what they were drawn from."""
        if not self._drawn:
            self.refresh()  # nothing drawn yet (or everything to be drawn again)
            return
        scroll_x, scroll_y = self.scroll_offset
        view, drawn = (scroll_x, self.scrollable_content_region.width), self._drawn
        refresh_stale_lines(self, lambda y: drawn.get(y) != (view, self._line_key(y, scroll_y)))

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

    # -- rendering ----------------------------------------------------------------------------------

    def _check_styles(self) -> Any:
        base = self.rich_style
        key = (base, self.get_pseudo_class_state(), self.app.current_theme.name)
        if self.lines.check_styles(key, self.get_component_rich_style):
            self._drawn.clear()  # Textual repaints every line after a change of style
        return base

    def _pass_values(self) -> tuple:
        """What a direct call of `render_line` (tests, benches), outside a repaint, draws with."""
        scroll_x, scroll_y = self.scroll_offset
        return scroll_x, scroll_y, self.scrollable_content_region.width, self._check_styles()

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
        strip = self.lines.strip(key, base)
        if not scroll_x or width <= FIXED_WIDTH:
            return strip.crop_extend(scroll_x, scroll_x + width, base)
        # The first columns stay put; the rest scrolls beside them.
        return Strip.join([strip.crop(0, FIXED_WIDTH),
                           strip.crop_extend(FIXED_WIDTH + scroll_x, scroll_x + width, base)])

    def _line_key(self, y: int, scroll_y: int) -> tuple | None:
        return self.lines.key(y, scroll_y, self._cursor_index, (self.sort_column, self.sort_reverse))
