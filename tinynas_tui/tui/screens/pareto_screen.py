"""A modal view of the Pareto front: accuracy against size or latency, walked point by point.

The plot marks two fronts: that of the two axes shown (the staircase), and the rest of the study's
3-objective front (trials dominated on these axes that win on the cost not shown). The arrows walk the
3-objective front, the trials a user chooses from. Seed repeats are measurements of their original, not
candidates (`tinynas_tui.core.seed_repeats`): they are not plotted; their original has a bar from its
lowest accuracy over the seeds to its highest, and its caption gives the spread.

Dismisses with the highlighted trial number on enter (so the trials table can jump to it), or None.
"""

from __future__ import annotations

from typing import Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.markup import escape
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tinynas_tui.core.plot_scale import PlotPoint, plot_points
from tinynas_tui.core.seed_repeats import SeedSpread, repeat_of
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.widgets.pareto_plot import (
    GLYPH_FRONT, GLYPH_FULL_FRONT, GLYPH_HIGHLIGHT, GLYPH_POINT, GLYPH_SPREAD, ParetoPlot,
)

AXES = {"size": ("size KiB", "size_kb"), "latency": ("latency ms", "latency_ms")}
"""x axis name -> (label, TrialRecord attribute)."""

LEGEND = (f"[$text-success]{GLYPH_FRONT}[/] front of these axes  [$text-primary]{GLYPH_FULL_FRONT}[/] "
          f"3-objective front only  {GLYPH_POINT} other  [reverse $text-accent]{GLYPH_HIGHLIGHT}[/] highlighted")
LEGEND_WITH_SEEDS = (f"[$text-success]{GLYPH_FRONT}[/] front of these axes  [$text-primary]{GLYPH_FULL_FRONT}[/] "
                     f"3-objective only  {GLYPH_POINT} other  [reverse $text-accent]{GLYPH_HIGHLIGHT}[/] "
                     f"highlighted  [$text-warning]{GLYPH_SPREAD}[/] seeds")
"""The legend when a plotted trial has seed repeats: as short as fits 80 columns with the bar's entry."""

WALK_FRONT = Binding.Group("walk front")


class ParetoScreen(ModalScreen[int | None]):
    """Scatter plot of the study's complete trials with the Pareto front to walk with the arrow keys."""

    DEFAULT_CSS = """
    ParetoScreen {
        align: center middle;
        #pareto-dialog {
            width: 96%;
            max-width: 150;
            height: 1fr;
            max-height: 46;
            margin: 1 0;
            padding: 0 1;
            border: round $accent;
            border-title-color: $text-accent;
            border-title-style: bold;
            border-subtitle-color: $foreground-muted;
            background: $surface;
        }
        &.-narrow #pareto-dialog {
            width: 100%;
        }
        #pareto-caption {
            height: auto;
            max-height: 3;
            margin-top: 1;
            color: $foreground;
        }
    }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    """Below 100 columns the dialog takes the full width so the caption fits on one line."""

    BINDINGS = [
        Binding("left,h", "walk(-1)", "previous", id="pareto.previous", group=WALK_FRONT,
                tooltip="Highlight the front trial to the left (smaller x)"),
        Binding("right,l", "walk(1)", "next", id="pareto.next", group=WALK_FRONT,
                tooltip="Highlight the front trial to the right (larger x)"),
        Binding("a,f2", "toggle_axis", "size/latency", id="pareto.toggle_axis",
                tooltip="Switch the x axis between TFLite size and latency"),
        Binding("enter", "choose", "go to trial", id="pareto.choose",
                tooltip="Close and select the highlighted trial in the trials table"),
        Binding("escape,q", "close", "close", id="pareto.close", tooltip="Close without selecting a trial"),
    ]

    axis: reactive[str] = reactive("size", init=False)
    """The x axis: "size" or "latency"."""
    highlighted: reactive[int | None] = reactive(None, init=False)
    """The highlighted trial number, or None."""

    def __init__(self, records: list[TrialRecord], front: frozenset[int], highlighted: int | None,
                 board: str | None = None, spreads: Mapping[int, SeedSpread] | None = None) -> None:
        """Show `records` with `front` marked and `highlighted` picked.

        Args:
            records: The study's trials; only complete ones with values are plotted.
            front: Numbers of the Pareto-optimal trials.
            highlighted: The trial to highlight first, or None; a seed repeat highlights its original.
            board: The board the latency is estimated for (None: measured on the host CPU).
            spreads: By trial number, the accuracy over its seeds of the trials with seed repeats
                (`TrialBook.seed_spreads`).
        """
        super().__init__()
        self.latency_label = f"latency ms on {board}" if board else "latency ms (host CPU)"
        originals = {r.number: original for r in records if (original := repeat_of(r)) is not None}
        self.records = [r for r in records if r.state == "complete" and r.values and r.number not in originals]
        self.by_number = {r.number: r for r in self.records}
        self.front = frozenset(n for n in front if n in self.by_number)
        self.spreads = {n: found for n, found in (spreads or {}).items() if n in self.by_number}
        self.set_reactive(ParetoScreen.highlighted, originals.get(highlighted, highlighted))

    def compose(self) -> ComposeResult:
        with Vertical(id="pareto-dialog"):
            yield ParetoPlot(id="pareto-plot")
            yield Static(id="pareto-caption", markup=True)
        yield Footer()

    def on_mount(self) -> None:
        dialog = self.query_one("#pareto-dialog")
        dialog.border_subtitle = LEGEND_WITH_SEEDS if self.spreads else LEGEND
        self._update_view()

    def x_of(self, record: TrialRecord) -> float:
        """The record's value on the current x axis."""
        return getattr(record, AXES[self.axis][1])

    def front_order(self) -> list[int]:
        """The front's trial numbers ordered by the current x axis (ties: higher accuracy first)."""
        front = [self.by_number[n] for n in self.front]
        return [r.number for r in sorted(front, key=lambda r: (self.x_of(r), -r.accuracy, r.number))]

    def points(self) -> list[PlotPoint]:
        """The plotted points on the current x axis, each with the fronts it is on."""
        return plot_points(((r.number, r.accuracy, self.x_of(r)) for r in self.records), self.front)

    def caption(self) -> str:
        """Content markup describing the highlighted trial."""
        if not self.records:
            return "[$text-muted]no complete trials yet[/]"
        record = self.by_number.get(self.highlighted) if self.highlighted is not None else None
        if record is None:
            if self.highlighted is not None:
                return f"[b]#{self.highlighted}[/]  [$text-muted]has no results yet — ←/→ walk the front[/]"
            return "[$text-muted]no trial highlighted — ←/→ walk the front[/]"
        arena = "—" if record.arena_kb is None else f"{record.arena_kb:.1f} KiB"
        point = next(p for p in self.points() if p.number == record.number)
        where = _where(point, "acc vs " + self.axis)
        caption = (f"[b]#{record.number}[/]  acc {record.accuracy:.4f}  size {record.size_kb:.1f} KiB  "
                   f"latency {record.latency_ms:.2f} ms  arena {arena}  {where}")
        seeds = self.spreads.get(record.number)
        if seeds is not None:
            caption += f"\n[$text-warning]{GLYPH_SPREAD}[/] {escape(seeds.line)}"
        return caption

    def _update_view(self) -> None:
        label = AXES[self.axis][0] if self.axis == "size" else self.latency_label
        self.query_one("#pareto-dialog").border_title = f"Pareto front — accuracy vs {self.axis}"
        spans = {n: (found.low, found.high) for n, found in self.spreads.items()}
        self.query_one(ParetoPlot).set_points(self.points(), self.highlighted, label, spans)
        self.query_one("#pareto-caption", Static).update(self.caption())

    def watch_axis(self) -> None:
        if self.is_mounted:
            self._update_view()

    def watch_highlighted(self) -> None:
        if self.is_mounted:
            self._update_view()

    def action_walk(self, step: int) -> None:
        """Move the highlight `step` points along the front in x order, stopping at the ends."""
        order = self.front_order()
        if not order:
            return
        current = self.by_number.get(self.highlighted) if self.highlighted is not None else None
        if current is not None and current.number in order:
            index = min(max(order.index(current.number) + step, 0), len(order) - 1)
            self.highlighted = order[index]
        elif current is not None:
            x = self.x_of(current)
            self.highlighted = min(order, key=lambda n: (abs(self.x_of(self.by_number[n]) - x), n))
        else:
            self.highlighted = order[0] if step > 0 else order[-1]

    def action_toggle_axis(self) -> None:
        """Switch the x axis between size and latency."""
        self.axis = "latency" if self.axis == "size" else "size"

    def action_choose(self) -> None:
        """Close, handing back the highlighted trial number."""
        self.dismiss(self.highlighted)

    def action_close(self) -> None:
        """Close without choosing."""
        self.dismiss(None)

    def on_pareto_plot_point_selected(self, message: ParetoPlot.PointSelected) -> None:
        self.highlighted = message.number


def _where(point: PlotPoint, axes: str) -> str:
    """Content markup saying which fronts `point` is on (`axes` names the two shown, e.g. "acc vs size")."""
    if point.on_front and point.on_axes_front:
        return f"[$text-success]★ on the front (3 objectives) and on {axes}[/]"
    if point.on_front:
        return f"[$text-primary]★ on the front (3 objectives), dominated on {axes}[/]"
    if point.on_axes_front:
        return f"[$text-success]on the front of {axes}[/] [$text-muted](not of all 3 objectives)[/]"
    return "[$text-muted]not on the front[/]"
