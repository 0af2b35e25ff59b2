"""The one-line header: app, study, state, progress and ETA, then dataset, sampler, storage, board and
where the trials train."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.geometry import Region
from textual.reactive import reactive
from textual.widget import Widget

from tinynas_tui import PROG
from tinynas_tui.core.inert_text import inert
from tinynas_tui.tui.run_state import STOPPABLE, RunState

STATE_STYLES = {
    RunState.OPENING: "italic", RunState.RUNNING: "bold $success", RunState.PAUSING: "bold $warning",
    RunState.PAUSED: "bold $warning", RunState.STOPPING: "bold $error", RunState.STOPPED: "bold $error",
    RunState.FINISHED: "bold $accent", RunState.FAILED: "bold $error",
}

MIN_STUDY = 8
"""The study name is never cut shorter than this (with its …)."""
MIN_DETAILS = 12
"""Columns worth starting the details in (what does not fit is cut at the edge)."""


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StatusBar(Widget):
    """What the study is doing, most important first so a narrow terminal keeps the essentials.

    The app and study names sit above the side panel (padded to its width); the progress after them
    changes with every trial event and is repainted on its own. Textual repaints the bounding box of
    all that changed in a frame, so a repaint of the whole bar together with a table row or the detail
    would take in the side panel between them (~150 widgets, 5-40 ms a frame while trials run).

    Args:
        beside: The widget under the bar's left part (the side panel), if any.
    """

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    study = reactive("…")
    state = reactive(RunState.OPENING, repaint=False)
    done = reactive(0, repaint=False)
    target = reactive(0, repaint=False)
    eta = reactive[float | None](None, repaint=False)
    """Seconds left; repainted only when the shown text changes (the app sets it on every trial event)."""
    following = reactive(False, repaint=False)
    """The trial table follows the running trial (shown after the progress)."""
    dataset = reactive("", repaint=False)
    sampler = reactive("", repaint=False)
    storage = reactive("", repaint=False)
    board = reactive("", repaint=False)
    """Where latency is estimated (a board name), or measured ("host CPU")."""
    trains_on = reactive("", repaint=False)
    """Where this run's trial workers train (`tinynas_tui.core.training_device`); empty: not known yet."""

    def __init__(self, beside: Widget | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._beside = beside
        self._progress_x = 0  # where the progress starts, in the bar's own columns (0: unknown)
        self._drawn_names_width = 0
        self._drawn_names = ""

    def watch_eta(self, old: float | None, new: float | None) -> None:
        if format_eta(old) != format_eta(new):
            self._refresh_progress()

    def _refresh_progress(self) -> None:
        """Repaint from the progress to the end of the bar (all of it until it has been drawn, or when
        the study name must be cut differently to leave the progress its room)."""
        x, width = self._progress_x, self.size.width
        if 0 < x < width and self._names(_width(self._progress_parts())).plain == self._drawn_names:
            self.refresh(Region(x, 0, width - x, 1))
        else:
            self.refresh()

    def on_mount(self) -> None:
        for name in ("state", "done", "target", "following", "dataset", "sampler", "board", "storage", "trains_on"):
            self.watch(self, name, self._refresh_progress, init=False)
        self.screen.screen_layout_refresh_signal.subscribe(self, self._laid_out)

    def on_resize(self) -> None:
        self.refresh()  # the study name is cut to the width

    def _laid_out(self, _: Any) -> None:
        if self._names_width() != self._drawn_names_width:
            self.refresh()  # the side panel came, went or changed width

    def _names_width(self) -> int:
        """Columns up to the side panel's right edge (none when it is hidden), less the left padding."""
        beside = self._beside
        if beside is None or not beside.display or not beside.region:
            return 0
        return max(0, beside.region.right - self.region.x - self.styles.padding.left)

    def render(self) -> Content:
        progress = self._progress_parts()
        names = self._names(_width(progress))
        self._drawn_names, self._drawn_names_width = names.plain, self._names_width()
        self._progress_x = self.styles.padding.left + names.cell_length
        parts: list[str | tuple[str, str] | Content] = [names, *progress]
        room = self._room() - names.cell_length - _width(progress)
        details = " · ".join(inert(part) for part in (self.dataset, self.sampler, self.storage, self.board,
                                                      self.trains_on) if part)
        if details and room >= MIN_DETAILS:  # else left out rather than a few letters of the dataset
            parts.append((f"  │ {details}", "dim"))
        if self.following:
            # Last: the first thing a narrow screen cuts (the storage URL, its password masked, stays).
            parts.append(("  ↓following", "$accent"))
        return Content.assemble(*parts)

    def _room(self) -> int:
        """Columns the bar can draw in (its width less its padding); unbounded before it is laid out."""
        width = self.size.width - self.styles.padding.left - self.styles.padding.right
        return width if width > 0 else 10_000

    def _progress_parts(self) -> list[str | tuple[str, str]]:
        """The state, ``done/target`` and ETA: what the bar must always show."""
        parts: list[str | tuple[str, str]] = [
            (f"● {self.state}", STATE_STYLES.get(self.state, "")),
            f"  {self.done}/{self.target} trials",
        ]
        if self.state in STOPPABLE:
            parts.append(f"  ETA {format_eta(self.eta)}")
        return parts

    def _names(self, progress_width: int) -> Content:
        """The app and study names, the study cut short (…) so that ``progress_width`` columns fit after."""
        room = self._room() - progress_width - len(PROG) - 4
        study = Content(inert(self.study)).truncate(max(MIN_STUDY, room), ellipsis=True)
        names = Content.assemble((PROG, "bold $accent"), "  ", study, "  ")
        width = self._names_width()
        if names.cell_length < width:
            names = names.pad_right(width - names.cell_length)
        return names


def _width(parts: list[str | tuple[str, str]]) -> int:
    return sum(Content.assemble(part).cell_length for part in parts)
