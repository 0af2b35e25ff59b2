"""The main screen's footer: every key hint whole at 80 columns.

Textual's footer scrolls sideways when its hints are wider than the terminal, and its command-palette
key is docked over the right end (with one column of margin that the scrolled hints show through: the
stray ``L`` of ``Log`` at 80 columns). So on a narrow screen (under 120 columns) the secondary hints
are hidden, leaving the primary ones (69 columns) beside the palette key (11); the hidden actions keep
their keys and are in the command palette.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

SECONDARY_ACTIONS = frozenset({"more_trials", "toggle_log", "toggle_sidebar"})
"""Actions whose hints a narrow screen hides (F7 +5, F3 Log, F2 Panel): each is in the palette."""


class AppFooter(Footer):
    """`Footer` with the secondary hints marked ``-secondary`` (hidden on a narrow screen by the CSS)."""

    SCOPED_CSS = False  # the rule below starts at the screen (a scoped one would start at this widget)
    DEFAULT_CSS = """
    AppFooter.-compact FooterKey.-command-palette { margin-right: 0; }
    Screen.-narrow AppFooter FooterKey.-secondary { display: none; }
    """

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in SECONDARY_ACTIONS:
                widget.add_class("-secondary")
            yield widget
