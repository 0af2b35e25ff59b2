"""Few toasts at a time, placed off the detail's first line.

A new notice replaces older ones of its kind (title and severity: a sort order after a sort order, a
storage retry after a retry say the newer thing), and at most `MAX_TOASTS` show. Three toasts stacked in
the bottom right corner covered most of the detail at 24 lines.

Toasts sit in the bottom right corner, over the last lines of the detail, unless the detail starts in
the lower half of the screen (a tall table): then they sit in the top right corner, over the table, so
the detail's first line (the trial, its state, rank and score) stays in view.
"""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.notifications import Notification, Notify
from textual.widget import Widget
from textual.widgets._toast import ToastRack

MAX_TOASTS = 2
AT_TOP = "-top"
"""The `ToastRack` class (app.tcss) that docks the toasts at the top."""


def _kind(notification: Notification) -> tuple[str, str]:
    return notification.title, notification.severity


class FewToasts:
    """App mixin: the newest toast of each kind, `MAX_TOASTS` at most, off the line `toast_free` names."""

    toast_free: Widget | None = None
    """The widget whose first line under its border toasts must leave in view (the detail)."""

    def on_notify(self, event: Notify) -> None:
        # Runs before `App._on_notify` adds ``event.notification`` (and shows the toasts).
        new = event.notification
        older = [n for n in self._notifications if n.identity != new.identity]  # type: ignore[attr-defined]
        keep = [n for n in older if _kind(n) != _kind(new)][-(MAX_TOASTS - 1):] if MAX_TOASTS > 1 else []
        for notification in older:
            if notification not in keep:
                self._unnotify(notification, refresh=False)  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        screen = self.screen  # type: ignore[attr-defined]
        screen.screen_layout_refresh_signal.subscribe(self, self._place_toasts)

    def _place_toasts(self, screen: Any) -> None:
        widget = self.toast_free
        if widget is None or not widget.region:
            return
        try:
            rack = screen.query_one(ToastRack)
        except NoMatches:
            return
        rack.set_class(widget.region.y > screen.size.height // 2, AT_TOP)
