"""Follow mode of the trial table: the cursor stays on the running (or newest) trial as trials start.

A mixin of `TrialTable` (it uses the table's rows, cursor and messages). With a filter on, it follows
the running or newest trial the filter shows.
"""

from __future__ import annotations

from typing import Any


class FollowMode:
    """The cursor follows the newest running trial shown (or the newest trial shown) while on."""

    _following: bool
    _running_trials: set[int]
    rows: Any

    @property
    def following(self) -> bool:
        """True while the cursor follows the running (or newest) trial."""
        return self._following

    def _follow_target(self) -> int | None:
        """The trial follow mode puts the cursor on (None: follow mode is off, or no rows)."""
        if not self._following:
            return None
        shown = self.rows.shown
        running = [n for n in self._running_trials if n in shown]
        return max(running) if running else self.rows.newest_shown

    def set_following(self, on: bool) -> None:
        """Turn follow mode on (the cursor goes to the running or newest trial now) or off."""
        if on == self._following:
            return
        self._following = on
        self.post_message(self.FollowChanged(on))  # type: ignore[attr-defined]
        target = self._follow_target()
        if target is not None and target in self.rows.shown:
            self._put_cursor(self.rows.order.index(target))  # type: ignore[attr-defined]

    def action_toggle_follow(self) -> None:
        self.set_following(not self._following)

    def action_best(self) -> None:
        best = self.rows.ranking.best
        if best is None:
            self.notify("No trial is ranked yet", timeout=2)  # type: ignore[attr-defined]
            return
        self.move_to(best)  # type: ignore[attr-defined]
