"""The trial table's filter and counts: which trials it shows, and how many it shows and marks.

A mixin of `TrialTable` (it uses the table's rows, lines, cursor and messages). The matching rule is
`core.trial_filter`; the rows keep the filtered order (`TrialRows.set_filter`).
"""

from __future__ import annotations

from typing import Any

from textual.actions import SkipAction

from tinynas_tui.core.trial_filter import TrialFilter


class Filtering:
    """The filter's actions and the counts the pane around the table shows."""

    rows: Any
    lines: Any
    _counts: tuple | None

    def _count(self) -> None:
        """Tell the pane the numbers it shows, when they changed."""
        rows = self.rows
        counts = (len(rows.order), len(rows.records), len(rows.marked), rows.marked_hidden, rows.filter)
        if counts != self._counts:
            self._counts = counts
            self.post_message(self.CountsChanged(*counts))  # type: ignore[attr-defined]

    @property
    def filter(self) -> TrialFilter:
        return self.rows.filter

    def set_filter(self, flt: TrialFilter) -> None:
        """Show only the trials ``flt`` lets through, keeping the cursor on its trial if it still shows."""
        self.rows.set_filter(flt)
        self.lines.drop()
        self._after_sort()
        if flt.params:
            self._check_params(needed=True)

    def _check_params(self, needed: bool) -> None:
        missing = sum(1 for r in self.rows.records.values() if not r.params)
        if missing:
            self.post_message(self.ParamsWanted(missing, needed))

    def action_filter(self) -> None:
        self.post_message(self.FilterRequested())

    def action_clear_filter(self) -> None:
        if not self.rows.filter.active or self.screen.query("HelpPanel"):
            raise SkipAction()  # Escape stays the app's (it closes the keys panel)
        self.set_filter(TrialFilter())

