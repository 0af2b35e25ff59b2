"""The one-line header: app, study, state, progress and ETA, then dataset, sampler and storage."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

STATE_STYLES = {
    "opening": "italic", "running": "bold $success", "pausing": "bold $warning", "paused": "bold $warning",
    "stopping": "bold $error", "stopped": "bold $error", "finished": "bold $accent", "failed": "bold $error",
}


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StatusBar(Widget):
    """What the study is doing, most important first so a narrow terminal keeps the essentials."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    study = reactive("…")
    state = reactive("opening")
    done = reactive(0)
    target = reactive(0)
    eta = reactive[float | None](None, repaint=False)
    """Seconds left; repainted only when the shown text changes (the app sets it on every trial event)."""
    dataset = reactive("")
    sampler = reactive("")
    storage = reactive("")

    def watch_eta(self, old: float | None, new: float | None) -> None:
        if format_eta(old) != format_eta(new):
            self.refresh()

    def render(self) -> Content:
        parts: list[str | tuple[str, str]] = [
            ("tinynas-tui", "bold $accent"),
            f"  {self.study}  ",
            (f"● {self.state}", STATE_STYLES.get(self.state, "")),
            f"  {self.done}/{self.target} trials",
        ]
        if self.state in ("running", "pausing"):
            parts.append(f"  ETA {format_eta(self.eta)}")
        details = " · ".join(part for part in (self.dataset, self.sampler, self.storage) if part)
        if details:
            parts.append((f"  │ {details}", "dim"))
        return Content.assemble(*parts)
