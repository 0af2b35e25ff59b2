"""The worker's log, tailed from its file: each line tagged with the time it came and the trial it is of,
TensorFlow's and the converter's chatter hidden (counted in the title) unless shown raw.

While the pane is hidden, new lines are kept (the last `MAX_LINES`) rather than written: writing to a
`Log` grows its scroll area, which lays out the whole screen, hidden or not.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from pathlib import Path

from textual.widgets import Log

from tinynas_tui.core.inert_text import inert_lines
from tinynas_tui.tui.log_lines import LogLine, LogTagger

TAIL_INTERVAL_S = 0.5
MAX_READ = 256 * 1024
MAX_LINES = 2000


class LogPane(Log):
    """Shows new lines of a log file as they are written; reads only what was appended."""

    DEFAULT_CSS = """
    LogPane { height: 10; border-top: solid $primary; display: none; border-title-color: $text-muted; }
    LogPane.-visible { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, auto_scroll=True, **kwargs)
        self.path: Path | None = None
        self.raw = False
        """Every line as the worker wrote it (no tags, nothing hidden)."""
        self._offset = 0
        self._partial = ""  # the start of a line still being written
        self._read: deque[LogLine] = deque(maxlen=MAX_LINES)  # the last lines read, written or not
        self._unwritten = 0  # lines at the end of `_read` not yet written (read while hidden)
        self._noise = 0  # library chatter among `_read`
        self._tagger = LogTagger()
        self._title = ""

    def follow(self, path: str | None) -> None:
        """Tail ``path`` from its current end (older output is not the user's concern)."""
        self.path = Path(path) if path else None
        self._offset = self.path.stat().st_size if self.path and self.path.exists() else 0
        if self.path is not None:
            stamp = datetime.now().strftime("%H:%M:%S")
            self._add([LogLine(f"— worker log: {inert_lines(str(self.path))}", stamp, (), False, note=True)])

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
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        # `Log` passes ESC through: a trial's output could drive the terminal.
        self._add([self._tagger.tag(inert_lines(line)) for line in lines])

    def _add(self, lines: list[LogLine]) -> None:
        for line in lines:
            if len(self._read) == MAX_LINES and self._read[0].noise:
                self._noise -= 1
            self._read.append(line)
            self._noise += line.noise
        self._unwritten = min(self._unwritten + len(lines), MAX_LINES)
        self.flush_held()

    def flush_held(self) -> None:
        """Write what was read while the pane was hidden (call it when the pane is shown)."""
        if not self.has_class("-visible"):
            return
        if self._unwritten:
            new = list(self._read)[-self._unwritten:]
            self._unwritten = 0
            shown = [self._shown(line) for line in new if self.raw or not line.noise]
            if shown:
                self.write_lines(shown)
        self._show_title()

    def toggle_raw(self) -> None:
        """Show every line as written, or the tagged lines without the chatter (all that is kept)."""
        self.raw = not self.raw
        self.clear()
        self._unwritten = len(self._read)
        self.flush_held()

    @property
    def hidden_count(self) -> int:
        """Lines of library chatter kept and not shown (none when raw)."""
        return 0 if self.raw else self._noise

    def _shown(self, line: LogLine) -> str:
        return line.text if self.raw or line.note else line.shown()

    def _show_title(self) -> None:
        if self.raw:
            title = "worker log, raw — R: tagged, chatter hidden"
        elif self._noise:
            title = f"worker log — {self._noise} TensorFlow/converter lines hidden — R: raw"
        else:
            title = "worker log — R: raw"
        if title != self._title:  # a title set repaints the pane
            self._title = self.border_title = title
