"""Showing and hiding the app's panes: the worker log, the side panel and its tabs (a mixin of the app).

The side panel is shown by default at 120 columns and more and hidden below; ``-sidebar-toggled`` on the
screen flips that, so one class serves both widths.
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.tui.widgets.log_pane import LogPane


class PaneToggles:
    """F3 the worker log (``R`` raw), F2 the side panel, the palette's space and weights entries, ctrl+t
    the table, for `TinyNasApp`."""

    def action_toggle_log(self: Any) -> None:
        pane = self.query_one(LogPane)
        pane.toggle_class("-visible")
        pane.flush_held()

    def action_raw_log(self: Any) -> None:
        pane = self.query_one(LogPane)
        pane.add_class("-visible")
        pane.toggle_raw()

    def action_toggle_sidebar(self: Any) -> None:
        self.screen.toggle_class("-sidebar-toggled")

    def action_focus_space(self: Any) -> None:
        self._show_sidebar_tab("tab-space")

    def action_focus_weights(self: Any) -> None:
        self._show_sidebar_tab("tab-weights")

    def action_focus_table(self: Any) -> None:
        self.table.focus()

    def _show_sidebar_tab(self: Any, tab: str) -> None:
        narrow = self.screen.has_class("-narrow")
        if narrow != self.screen.has_class("-sidebar-toggled"):
            self.screen.toggle_class("-sidebar-toggled")
        self._side.show_tab(tab)
