"""The export dialog: which trials, which folder, which formats."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static

from tinynas_tui.core.export_formats import DESCRIPTIONS, FORMATS

DEFAULT_FOLDER = "tinynas-export"


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked to export."""

    numbers: tuple[int, ...]
    folder: str
    formats: tuple[str, ...]


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Asks where and in which formats to export the given trials.

    Args:
        numbers: The trials.
        folder: The folder first offered.
        chosen: The formats ticked at first (`producible_formats`: no .keras from a study that kept none).
    """

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 76; max-width: 95%; height: auto; max-height: 100%; border: thick $accent;
                              background: $surface; padding: 0 2; }
    ExportScreen #export-title { text-style: bold; }
    ExportScreen #export-trials { color: $text-muted; }
    ExportScreen SelectionList { height: auto; border: none; padding: 0; margin-top: 1; }
    ExportScreen #export-error { color: $error; height: auto; }
    ExportScreen Horizontal { height: auto; align-horizontal: right; }
    ExportScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export.cancel", tooltip="Close without exporting"),
        Binding("ctrl+s", "export", "Export", id="export.go", tooltip="Export with these settings"),
    ]

    def __init__(self, numbers: tuple[int, ...], folder: str = DEFAULT_FOLDER,
                 chosen: tuple[str, ...] = FORMATS) -> None:
        super().__init__()
        self.numbers = numbers
        self.folder = folder
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        listed = ", ".join(f"#{n}" for n in self.numbers[:12]) + (" …" if len(self.numbers) > 12 else "")
        with Vertical():
            yield Static(f"Export {len(self.numbers)} trial{'s' if len(self.numbers) != 1 else ''}", id="export-title")
            yield Static(listed, id="export-trials")
            yield Label("Folder")
            yield Input(self.folder, id="export-folder", placeholder="a folder (created if missing)")
            yield SelectionList[str](*((text, key, key in self.chosen) for key, text in DESCRIPTIONS.items()),
                                     id="export-formats")
            yield Static("", id="export-error")
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Export (ctrl+s)", id="export", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#export-folder", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self.action_export()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_export()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        folder = self.query_one("#export-folder", Input).value.strip()
        formats = tuple(self.query_one("#export-formats", SelectionList).selected)
        error = self.query_one("#export-error", Static)
        if not folder:
            error.update("Give a folder to export into.")
            return
        if not formats:
            error.update("Choose at least one format.")
            return
        self.dismiss(ExportRequest(self.numbers, folder, formats))
