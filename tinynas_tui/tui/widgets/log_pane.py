"""The worker's log, tailed from its file: TensorFlow and converter output, crash tracebacks."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Log

TAIL_INTERVAL_S = 0.5
MAX_READ = 256 * 1024


class LogPane(Log):
    """Shows new lines of a log file as they are written; reads only what was appended."""

    DEFAULT_CSS = """
    LogPane { height: 10; border-top: solid $primary; display: none; }
    LogPane.-visible { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=2000, auto_scroll=True, **kwargs)
        self.path: Path | None = None
        self._offset = 0

    def follow(self, path: str | None) -> None:
        """Tail ``path`` from its current end (older output is not the user's concern)."""
        self.path = Path(path) if path else None
        self._offset = self.path.stat().st_size if self.path and self.path.exists() else 0
        if self.path is not None:
            self.write_line(f"— worker log: {self.path}")

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
        self.write(chunk.decode("utf-8", errors="replace"))
