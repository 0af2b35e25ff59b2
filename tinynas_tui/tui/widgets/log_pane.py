"""The worker's log, tailed from its file: TensorFlow and converter output, crash tracebacks.

While the pane is hidden, new text is kept (the last `MAX_LINES` lines) rather than written: writing
to a `Log` grows its scroll area, which lays out the whole screen, hidden or not.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from textual.widgets import Log

from tinynas_tui.core.inert_text import inert_lines

TAIL_INTERVAL_S = 0.5
MAX_READ = 256 * 1024
MAX_LINES = 2000


class LogPane(Log):
    """Shows new lines of a log file as they are written; reads only what was appended."""

    DEFAULT_CSS = """
    LogPane { height: 10; border-top: solid $primary; display: none; }
    LogPane.-visible { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, auto_scroll=True, **kwargs)
        self.path: Path | None = None
        self._offset = 0
        self._held: deque[str] = deque(maxlen=MAX_LINES)  # complete lines read while hidden
        self._partial = ""  # a line still being written when the pane was hidden

    def follow(self, path: str | None) -> None:
        """Tail ``path`` from its current end (older output is not the user's concern)."""
        self.path = Path(path) if path else None
        self._offset = self.path.stat().st_size if self.path and self.path.exists() else 0
        if self.path is not None:
            self._take(f"— worker log: {self.path}\n")

    def on_mount(self) -> None:
        self.set_interval(TAIL_INTERVAL_S, self.read_new)

    def read_new(self) -> None:
        if self.path is None or not self.path.exists():
            return
        size = self.path.stat().st_size
        if size < self._offset:  # truncated or replaced
            self._offset = 0
        if size == self._offset:
            return
        with self.path.open("rb") as fh:
            fh.seek(self._offset)
            chunk = fh.read(MAX_READ)
        self._offset += len(chunk)
        self._take(chunk.decode("utf-8", errors="replace"))

    def _take(self, text: str) -> None:
        text = inert_lines(text)  # `Log` passes ESC through: a trial's output could drive the terminal
        if not self.has_class("-visible"):
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
            self._held.extend(lines)
            return
        self.flush_held()
        self.write(text)

    def flush_held(self) -> None:
        """Write what was read while the pane was hidden (call it when the pane is shown)."""
        if self.has_class("-visible") and (self._held or self._partial):
            held = "\n".join(self._held) + ("\n" if self._held else "") + self._partial
            self._held.clear()
            self._partial = ""
            self.write(held)
