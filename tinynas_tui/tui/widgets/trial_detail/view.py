"""The detail view: everything known about the highlighted trial, a finished one's figures (`sections`)
or a running one's progress (`running`), drawn through Textual's Line API."""

from __future__ import annotations

import io
import time
from typing import Any

from rich.console import Console, Group
from rich.style import Style
from textual import events, work
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.widgets.quiet_size import refresh_stale_lines, set_virtual_size
from tinynas_tui.tui.widgets.trial_detail.running import (
    EPOCH_ROWS,
    describe_running,
    epoch_rows,
    running_key,
    shown_epochs,
    time_text,
)
from tinynas_tui.tui.widgets.trial_detail.sections import body_key, describe_body, describe_head, head_lines


def describe(record: TrialRecord, ranking: Ranking, budgets: Budgets, param_order: tuple[str, ...],
             typical: tuple[float, int] | None = None, now: float | None = None, rows: int = EPOCH_ROWS,
             same: tuple[int, ...] = (), seeds: str | None = None) -> Group:
    """The renderable for one trial: its head line, then (running) its time line and progress, or
    (finished) its sections, side by side when the width allows.

    Args:
        typical: (median seconds, trials) of the study's complete trials, for a running trial's expected time.
        now: ``time.time()`` for a running trial's elapsed time (default: now).
        rows: Epochs a running trial shows at most.
        same: The other trials of the same architecture.
        seeds: What its seed repeats say (`TrialBook.seed_line`).
    """
    head = describe_head(record, ranking, same, seeds)
    if record.state == "running":
        when = time.time() if now is None else now
        return Group(head, time_text(record, typical, when), describe_running(record, budgets, param_order, rows))
    return Group(head, describe_body(record, budgets, param_order))


PLACEHOLDER = "Highlight a trial to see its details."


class TrialDetail(ScrollView):
    """Everything known about the highlighted trial.

    A Line-API view. The description is rendered to lines in a worker thread (Rich lays out its
    columns and tables in ~10 ms, too long for the event loop while a study runs); several changes
    before the lines arrive cost one rendering. Repaints and scrolling only copy lines, only lines that
    differ from those shown are repainted, and a change in the number of lines lays nothing out.

    While a running trial is shown, a 1 s timer renders its time line alone (one line of text, well
    under a millisecond) and repaints that line only when its text changed.
    """

    DEFAULT_CSS = """
    TrialDetail { height: 1fr; padding: 0 1; overflow-x: hidden; overflow-y: scroll;  /* a scrollbar that came and went would lay out the screen */ }
    """

    class Rendered(Message):
        """Lines rendered by the worker for ``key`` (renderable, width, style)."""

        def __init__(self, key: tuple, lines: list[Strip], time_row: int | None = None) -> None:
            super().__init__()
            self.key = key
            self.lines = lines
            self.time_row = time_row
            """The index of a running trial's time line in ``lines`` (None: none)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.renderable: Any = PLACEHOLDER
        self._shown: tuple = ()
        self._lines: list[Strip] = []
        self._wanted: tuple = ()  # (renderable, width, style) last sent to the worker
        self._have: tuple = ()  # what self._lines are of
        self._pending = False
        self._body: tuple = ((), None)  # (body_key, its renderable): kept while only the head changes
        self._body_lines: tuple = (None, 0, None, [])  # (body renderable, width, style, strips)
        self._pass: tuple[int, int, Style] | None = None  # (top line, width, base style) in render_lines
        self._shown_args: tuple = ()  # the arguments of the last `show`, to describe again for another height
        self._epoch_rows = EPOCH_ROWS  # epochs the running trial shown has room for
        self._height = 0  # the view's height, as of the last resize
        self._running_shown: tuple[TrialRecord, tuple[float, int] | None] | None = None  # (record, typical) shown
        self._time_row: int | None = None  # where the time line is in self._lines
        self._time_plain = ""  # its text there
        self._time_timer: Any = None

    def on_mount(self) -> None:
        self._time_timer = self.set_interval(1.0, self._tick, pause=True)

    @property
    def up_to_date(self) -> bool:
        """True once the lines on screen are those of the current description."""
        return not self._pending and self._have == self._wanted

    def show(self, record: TrialRecord | None, ranking: Ranking, budgets: Budgets,
             param_order: tuple[str, ...], typical: tuple[float, int] | None = None,
             same: tuple[int, ...] = (), seeds: str | None = None) -> None:
        """Describe ``record`` (None: the placeholder); nothing happens if what it shows is unchanged.

        Args:
            typical: (median seconds, trials) of the study's complete trials: a running trial's expected time.
            same: The other trials of the same architecture (named in the head line).
            seeds: What its seed repeats say (`TrialBook.seed_line`; under the head line).
        """
        self._shown_args = (record, ranking, budgets, param_order, typical, same, seeds)
        n = record.number if record is not None else None
        running = record is not None and record.state == "running"
        if running and self._height:
            self._epoch_rows = epoch_rows(self._height, head_lines(same, seeds))
        key = (record, ranking.ranks.get(n), ranking.scores.get(n), n in ranking.front, budgets, param_order,
               typical if running else None, shown_epochs(record, self._epoch_rows) if running else None, same,
               seeds)
        if key == self._shown:
            return
        self._shown = key
        self._running_shown = (record, typical) if running and record is not None else None
        if self._time_timer is not None:
            self._time_timer.resume() if running else self._time_timer.pause()
        if record is None:
            self.renderable = PLACEHOLDER
        else:
            # While a trial runs only its head line changes: the body (and, in the worker, its lines:
            # Rich's layout of the sections is most of the ~10 ms a rendering holds the GIL) is reused.
            if running:
                body = ("running", running_key(record, budgets, param_order, self._epoch_rows))
                if body != self._body[0]:
                    self._body = (body, describe_running(record, budgets, param_order, self._epoch_rows))
                head = (describe_head(record, ranking, same, seeds), time_text(record, typical, time.time()))
            else:
                body = body_key(record, budgets, param_order)
                if body != self._body[0]:
                    self._body = (body, describe_body(record, budgets, param_order))
                head = (describe_head(record, ranking, same, seeds),)
            self.renderable = Group(*head, self._body[1])
        if not self._pending:
            self._pending = True
            self.call_later(self._request)

    def _request(self) -> None:
        self._pending = False
        width = self.scrollable_content_region.width
        key = (self.renderable, width, self.rich_style)
        if width <= 0 or key == self._wanted:
            return
        self._wanted = key
        if isinstance(self.renderable, str):  # the placeholder: no layout to compute, draw it now
            console = Console(width=width, file=io.StringIO(), force_terminal=True, legacy_windows=False)
            lines = console.render_lines(self.renderable, console.options.update_width(width), style=key[2])
            self.on_trial_detail_rendered(self.Rendered(key, [Strip(line) for line in lines]))
            return
        self._render_lines(key)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _render_lines(self, key: tuple) -> None:
        renderable, width, style = key
        *heads, body = renderable.renderables
        console = Console(width=width, file=io.StringIO(), force_terminal=True, legacy_windows=False)
        options = console.options.update_width(width)
        lines = [Strip(line) for line in console.render_lines(heads[0], options, style=style, pad=False)]
        time_row = None
        if len(heads) > 1:  # a running trial's time line: one line (no wrap), repainted by `_tick`
            time_row = len(lines)
            lines += [Strip(line) for line in console.render_lines(heads[1], options, style=style, pad=False)]
        cached_body, cached_width, cached_style, body_lines = self._body_lines
        if (cached_body, cached_width, cached_style) != (body, width, style):
            body_lines = [Strip(line) for line in console.render_lines(body, options, style=style, pad=False)]
            self._body_lines = (body, width, style, body_lines)  # one tuple: another thread sees all or none
        self.post_message(self.Rendered(key, lines + body_lines, time_row))

    def on_trial_detail_rendered(self, message: Rendered) -> None:
        message.stop()
        if message.key != self._wanted:
            return  # a newer rendering is on its way
        same_look = message.key[1:] == self._have[1:]  # same width and style: lines compare as drawn
        before, self._have, self._lines = self._lines, message.key, message.lines
        self._time_row = message.time_row
        self._time_plain = message.key[0].renderables[1].plain if message.time_row is not None else ""
        set_virtual_size(self, Size(message.key[1], len(self._lines)))
        if not same_look:
            self.refresh()
            return
        # A running trial's description changes a line or two at a time (its stage, a timing): repaint
        # only the lines on screen that differ (16 lines cost 3-8 ms of the loop on a busy machine).
        top, lines = round(self.scroll_y), self._lines
        refresh_stale_lines(self, lambda y: _line(before, top + y) != _line(lines, top + y))

    def on_resize(self, event: events.Resize) -> None:
        height = self.scrollable_content_region.height
        if height != self._height:
            self._height = height
            if self._running_shown is not None:
                self.show(*self._shown_args)  # the epochs that fit now
        self._request()

    def _tick(self) -> None:
        """Render a running trial's time line again; repaint it if its text changed."""
        row = self._time_row
        if self._running_shown is None or row is None or row >= len(self._lines) or not self.up_to_date:
            return  # a new description is on its way: it brings its own time line
        record, typical = self._running_shown
        text = time_text(record, typical, time.time())
        if text.plain == self._time_plain:
            return
        _, width, style = self._have
        console = Console(width=width, file=io.StringIO(), force_terminal=True, legacy_windows=False)
        line = console.render_lines(text, console.options.update_width(width), style=style, pad=False)[0]
        self._lines[row] = Strip(line)
        self._time_plain = text.plain
        self.refresh_lines(row, 1)

    def _pass_values(self) -> tuple[int, int, Style]:
        return round(self.scroll_y), self.scrollable_content_region.width, self.rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        # `rich_style` walks the ancestors' styles (~25 µs): once per pass, not once per line.
        self._pass = self._pass_values()
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        top, width, base = self._pass or self._pass_values()
        index = top + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].crop_extend(0, width, base)

    def plain_text(self, width: int = 120) -> str:
        """What the view shows, as plain text (for tests and logs)."""
        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(self.renderable)
        return console.file.getvalue()


def _line(lines: list[Strip], index: int) -> Strip | None:
    return lines[index] if index < len(lines) else None
