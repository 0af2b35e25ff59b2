"""A modal view of parameter importance: per objective, the parameters ranked with a bar and a share.

The engine computes it (Optuna's evaluator reads every complete trial) in a thread of this screen,
which shows "computing…" until the `ImportanceComputed` message comes back. Each objective says how
many trials it rests on; too few trials, or a failure, is said in words, never raised.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tinynas_tui.core.importance import STABLE_TRIALS, ImportanceReport, ObjectiveImportance
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.scoring import WEIGHT_NAMES, Weights
from tinynas_tui.tui.messages import ImportanceComputed

COMPUTING = "computing… (Optuna reads every complete trial)"
NAME_WIDTH = 16
"""Parameter names are cut to this many characters, so bars line up."""


def objective_text(entry: ObjectiveImportance, width: int) -> Text:
    """One objective: its question and trial count, then a line per parameter (name, bar, share)."""
    text = Text.assemble((entry.label, "bold"), (f"  · {entry.trials} trials", "dim"), "\n")
    if not entry.ranked:
        text.append(entry.note or "no parameters to rank", style="italic")
        return text
    bar_width = max(4, width - NAME_WIDTH - 8)
    top = entry.ranked[0][1] or 1.0
    lines = []
    for name, share in entry.ranked:
        shown = inert(name)
        shown = shown if len(shown) <= NAME_WIDTH else shown[:NAME_WIDTH - 1] + "…"
        filled = round(bar_width * share / top)  # the first bar is full: the ranking is what matters
        line = Text(f"{shown:<{NAME_WIDTH}} ")
        line.append("█" * filled, style="bold")
        line.append("·" * (bar_width - filled), style="dim")
        line.append(f" {share:>5.1%}")
        lines.append(line)
    text.append(Text("\n").join(lines))
    return text


def report_caption(report: ImportanceReport, weights: Weights) -> Text:
    """Which evaluator, how many trials, what the score is, and what the figures cannot say."""
    text = Text.assemble((inert(report.evaluator), "bold"), f", over {report.trials} complete trials.")
    if report.objectives:
        text.append(f" The score weighs {', '.join(WEIGHT_NAMES)} by {weights.as_text()} (budgets aside).")
    if report.objectives and report.trials < STABLE_TRIALS:
        text.append(f" Few trials: the best 10 % is {max(1, -(-report.trials // 10))}; "
                    f"from {STABLE_TRIALS} trials the ranking is steadier.", style="italic")
    if report.constant:
        text.append(f"\nOne value in every trial (not ranked): {', '.join(map(inert, report.constant))}.")
    return text


class ObjectiveBars(Static):
    """The bars of one objective, drawn to the width the grid gives it."""

    DEFAULT_CSS = """
    ObjectiveBars { height: auto; }
    """

    def __init__(self, entry: ObjectiveImportance, **kwargs: Any) -> None:
        super().__init__(objective_text(entry, 60), **kwargs)  # the height is right before the first resize
        self.entry = entry

    def on_resize(self) -> None:
        self.update(objective_text(self.entry, self.content_region.width))


class ImportanceScreen(ModalScreen[None]):
    """Parameter importance per objective and for the score under the current weights.

    Args:
        engine: The app's engine (its `importance` is called in a thread).
        weights: The weights the score uses.
    """

    DEFAULT_CSS = """
    ImportanceScreen {
        align: center middle;
        #importance-dialog {
            width: 96%; max-width: 150; height: 1fr; max-height: 46; margin: 1 0; padding: 0 1;
            border: round $accent; border-title-color: $text-accent; border-title-style: bold;
            background: $surface;
        }
        &.-narrow #importance-dialog { width: 100%; margin: 0; }
        #importance-caption { height: auto; margin-bottom: 1; }
        #importance-grid { grid-size: 2; grid-rows: auto; grid-gutter: 1 2; height: auto; }
        &.-narrow #importance-grid { grid-size: 1; }
    }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    """Below 120 columns the objectives are one above the other."""

    BINDINGS = [
        Binding("escape,q", "close", "close", id="importance.close", tooltip="Close the importance view"),
    ]

    def __init__(self, engine: Any, weights: Weights) -> None:
        super().__init__()
        self.engine = engine
        self.weights = weights
        self.report: ImportanceReport | None = None
        self.error: BaseException | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="importance-dialog"):
            yield Static(COMPUTING, id="importance-caption")
            yield Grid(id="importance-grid")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#importance-dialog").border_title = "Parameter importance"
        self._compute(self.weights)

    @work(thread=True, exclusive=True, group="importance", exit_on_error=False)
    def _compute(self, weights: Weights) -> None:
        try:
            report = self.engine.importance(weights)
        except Exception as err:  # noqa: BLE001 - said in the view; the UI must not fall over
            self.post_message(ImportanceComputed(error=err))
        else:
            self.post_message(ImportanceComputed(report))

    async def on_importance_computed(self, message: ImportanceComputed) -> None:
        message.stop()
        caption = self.query_one("#importance-caption", Static)
        if message.error is not None:
            self.error = message.error
            caption.update(Text(f"Could not compute the importance: {inert(str(message.error))}", style="bold red"))
            return
        report: ImportanceReport = message.report  # type: ignore[assignment]
        self.report = report
        text = report_caption(report, self.weights)
        if report.note:
            text.append(f"\nNo importance: {inert(report.note)}.", style="bold")
        caption.update(text)
        await self.query_one("#importance-grid", Grid).mount_all(
            ObjectiveBars(entry, classes=f"objective-{entry.objective}") for entry in report.objectives)

    def action_close(self) -> None:
        self.dismiss(None)

    def plain_text(self) -> str:
        """What the view says, as plain text (for tests)."""
        parts = [str(self.query_one("#importance-caption", Static).content)]
        parts += [objective_text(bars.entry, 60).plain for bars in self.query(ObjectiveBars)]
        return "\n".join(parts)
