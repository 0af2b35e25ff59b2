"""An error the app survived, shown in full instead of crashing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tinynas_tui.core.inert_text import inert, inert_lines


class ErrorScreen(ModalScreen[None]):
    """Shows what went wrong (and the traceback, scrollable); the app stays usable behind it."""

    DEFAULT_CSS = """
    ErrorScreen { align: center middle; }
    ErrorScreen > Vertical { width: 90; max-width: 95%; height: auto; max-height: 90%; border: thick $error;
                             background: $surface; padding: 1 2; }
    ErrorScreen #error-title { text-style: bold; color: $error; }
    ErrorScreen #error-message { margin: 1 0; }
    ErrorScreen VerticalScroll { height: auto; max-height: 12; color: $text-muted; }
    ErrorScreen Button { margin-top: 1; }
    """

    BINDINGS = [Binding("escape,enter", "close", "Close", id="error.close", tooltip="Close this message")]

    def __init__(self, title: str, message: str, details: str = "") -> None:
        super().__init__()
        self.title_text, self.message, self.details = title, message, details

    def compose(self) -> ComposeResult:
        with Vertical():
            # Messages quote stored names and reasons: never markup, never control characters.
            yield Static(inert(self.title_text), id="error-title", markup=False)
            yield Static(inert_lines(self.message), id="error-message", markup=False)
            if self.details:
                with VerticalScroll():
                    yield Static(inert_lines(self.details), id="error-details", markup=False)
            yield Button("Close (esc)", id="close", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
