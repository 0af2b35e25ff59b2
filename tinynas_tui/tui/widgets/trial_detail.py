"""The detail view of one trial: parameters, every metric, stage timings, layers, budgets, failure.

Sizes are bytes / 1024, shown as KiB; counts (MACs, parameters, cycles) in full with thousands separators.
"""

from __future__ import annotations

import io
from typing import Any

from rich.columns import Columns
from rich.console import Console, Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.trial_book import Ranking, TrialRecord
from tinynas_tui.tui.widgets.quiet_size import refresh_stale_lines, set_virtual_size


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def count_text(value: Any) -> str:
    """A count in full with thousands separators (``1,234,567``); ``—`` when unknown."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else _fmt(value)
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


def kib_text(n_bytes: Any) -> str:
    """Bytes as KiB with one decimal (``48.2 KiB``)."""
    return f"{n_bytes / 1024:.1f} KiB"


def quantization_text(attrs: dict[str, Any]) -> str:
    """How the TFLite model is quantized, in words short enough for the metrics column: ``int8
    throughout`` (int8 in and out, no float tensor left), ``dynamic, 12 float tensors``."""
    mode, fully = attrs.get(figures.QUANTIZATION), attrs.get(figures.FULLY_INT8)
    floats = attrs.get(figures.FLOAT_TENSORS)
    if fully is True:
        return f"{inert(mode or 'int8')} throughout"
    words = [inert(mode)] if mode is not None else []
    if fully is False:
        words.append(f"{floats} float tensor{'' if floats == 1 else 's'}" if floats else "float in/out")
    return ", ".join(words) or "—"


def _plain(value: Any) -> Text:
    """A cell of stored text: Rich would read a ``str`` as markup (``[link=…]``, ``[/x]`` that raises)."""
    return Text(inert(value))


def _grid(rows: list[tuple[str, str]], title: str) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.title = title
    grid.title_justify = "left"
    grid.title_style = "bold underline"
    for name, value in rows:
        grid.add_row(_plain(name), _plain(value))
    return grid


def describe(record: TrialRecord, ranking: Ranking, budgets: Budgets, param_order: tuple[str, ...]) -> Group:
    """The renderable for one trial; sections sit side by side when the width allows."""
    return Group(describe_head(record, ranking), describe_body(record, budgets, param_order))


def describe_head(record: TrialRecord, ranking: Ranking) -> Text:
    """The first line: trial, state and stage, rank and score (what changes while a trial runs)."""
    head = Text.assemble((f"Trial {record.number}", "bold"), "  ", (record.state, "italic"))
    if record.activity:
        head.append(f" · {inert(record.activity)}")
    if record.number in ranking.ranks:
        head.append(f"    rank {ranking.ranks[record.number]}    score {ranking.scores[record.number]:.2f}")
        if record.number in ranking.front:
            head.append("    ★ on the Pareto front", style="bold")
    return head


def body_key(record: TrialRecord, budgets: Budgets, param_order: tuple[str, ...]) -> tuple:
    """What `describe_body` depends on: equal keys describe equal bodies (compare with ==)."""
    return (record.state, record.params, record.values, record.attrs, record.partial, budgets, param_order)


def describe_body(record: TrialRecord, budgets: Budgets, param_order: tuple[str, ...]) -> Group:
    """Everything under the head line: notes, then parameters, metrics, budgets, timings and layers."""
    a = record.attrs
    parts: list[Any] = []
    if record.partial:
        parts.append(Text("reading its parameters and figures…", style="italic"))
    if record.reason:
        parts.append(Text(f"why: {inert(record.reason)}", style="bold red"))
    sections: list[Any] = []
    names = [n for n in param_order if n in record.params] + [n for n in record.params if n not in param_order]
    sections.append(_grid([(n, _fmt(record.params[n])) for n in names], "parameters"))
    if record.values:
        metrics = [
            ("accuracy int8", f"{record.accuracy:.4f}"),
            ("accuracy float", _fmt(a.get(figures.FLOAT_ACCURACY))),
            ("size", f"{record.size_kb:.1f} KiB"),
            *_latency_rows(record),
            ("arena (TFLM)", "—" if record.arena_kb is None else f"{record.arena_kb:.1f} KiB"),
            ("MACs", count_text(a.get(figures.MACS))),
            ("parameters", count_text(a.get(figures.PARAMS))),
            ("quantization", quantization_text(a)),
        ]
        if a.get(figures.ARENA_ERROR):
            metrics.append(("arena error", a[figures.ARENA_ERROR]))
        if a.get(figures.GZIP_BYTES) is not None:
            metrics.append(("gzip size", kib_text(a[figures.GZIP_BYTES])))
        if a.get(figures.TFLITE_SPARSITY) is not None:
            metrics.append(("weight sparsity", f"{a[figures.TFLITE_SPARSITY]:.1%} (int8 model)"))
        sections.append(_grid(metrics, "metrics"))
    stages = [
        ("pre-flight weights", a.get(figures.EST_WEIGHT_BYTES) and f"≥ {kib_text(a[figures.EST_WEIGHT_BYTES])}"),
        ("pre-flight RAM", a.get(figures.EST_ACTIVATION_BYTES) and f"≥ {kib_text(a[figures.EST_ACTIVATION_BYTES])}"),
        ("quick filter acc", a.get(figures.QUICK_EVAL_ACCURACY) is not None and f"{a[figures.QUICK_EVAL_ACCURACY]:.4f}"),
        ("teacher acc", a.get(figures.TEACHER_ACCURACY) is not None
         and f"{a[figures.TEACHER_ACCURACY]:.4f}" + (" (cached)" if a.get(figures.TEACHER_CACHED) else "")),
        ("sparsity after pruning", a.get(figures.KERAS_SPARSITY) is not None and f"{a[figures.KERAS_SPARSITY]:.1%}"),
    ]
    if a.get(figures.EST_LATENCY_MS) is not None:
        stages.append(("pre-flight latency", f"{a[figures.EST_LATENCY_MS]:.2f} ms (estimated)"))
    if any(value for _, value in stages):
        sections.append(_grid([(k, v) for k, v in stages if v], "pipeline"))
    top_ops = a.get(figures.LATENCY_TOP_OPS) or []
    if top_ops:
        sections.append(_grid([(str(o.get("op", "?")), f"{count_text(o.get('cycles'))} cycles, "
                                f"{float(o.get('share', 0)):.0%}") for o in top_ops], "costliest operators"))
    checks = budgets.check_texts(record)
    if checks:
        sections.append(_grid(checks, "budgets"))
    timings = a.get(figures.TIMINGS) or {}
    if timings:
        total = sum(timings.values())
        sections.append(_grid([(k, f"{v:.2f} s") for k, v in timings.items()] + [("total", f"{total:.2f} s")],
                              "stage timings"))
    layers = a.get(figures.LAYERS) or []
    if isinstance(layers, str):  # only the one-line summary was read (`stored_figures.layers_line`)
        sections.append(_grid([("", layers)], "layers"))
    elif layers:
        table = Table(title="layers", title_justify="left", title_style="bold underline", box=None,
                      padding=(0, 1), show_edge=False)
        for col in ("layer", "type", "output", "params"):
            table.add_column(col, justify="right" if col == "params" else "left")
        for layer in layers:
            shape = "×".join(str(d) for d in layer.get("output_shape", [])[1:])
            params = "" if layer.get("params") is None else count_text(layer["params"])
            table.add_row(*(_plain(cell) for cell in (layer.get("name", ""), layer.get("type", ""), shape, params)))
        sections.append(table)
    parts.append(Columns(sections, padding=(1, 3)))
    return Group(*parts)


def _latency_rows(record: TrialRecord) -> list[tuple[str, str]]:
    """The latency objective (the board estimate, or the host's measurement) and what it rests on."""
    a = record.attrs
    board = a.get(figures.LATENCY_BOARD)
    if not board:
        return [("latency", f"{record.latency_ms:.3f} ms (host CPU)")]
    rows = [("latency", f"{record.latency_ms:.2f} ms on {board} (estimated)")]
    if a.get(figures.LATENCY_CYCLES) is not None:
        rows.append(("cycles", count_text(a[figures.LATENCY_CYCLES])))
    if a.get(figures.LATENCY_UNMODELLED):
        rows.append(("not costed", ", ".join(map(str, a[figures.LATENCY_UNMODELLED]))))
    if a.get(figures.HOST_LATENCY_MS) is not None:
        runtime = "LiteRT builtin kernels: XNNPACK could not run it" if a.get(figures.HOST_LATENCY_NOTE) else "LiteRT"
        rows.append(("host latency", f"{a[figures.HOST_LATENCY_MS]:.3f} ms ({runtime})"))
    return rows


PLACEHOLDER = "Highlight a trial to see its details."


class TrialDetail(ScrollView):
    """Everything known about the highlighted trial.

    A Line-API view. The description is rendered to lines in a worker thread (Rich lays out its
    columns and tables in ~10 ms, too long for the event loop while a study runs); several changes
    before the lines arrive cost one rendering. Repaints and scrolling only copy lines, only lines that
    differ from those shown are repainted, and a change in the number of lines lays nothing out.
    """

    DEFAULT_CSS = """
    TrialDetail { height: 1fr; padding: 0 1; overflow-x: hidden; overflow-y: scroll;  /* a scrollbar that came and went would lay out the screen */ }
    """

    class Rendered(Message):
        """Lines rendered by the worker for ``key`` (renderable, width, style)."""

        def __init__(self, key: tuple, lines: list[Strip]) -> None:
            super().__init__()
            self.key = key
            self.lines = lines

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.renderable: Any = PLACEHOLDER
        self._shown: tuple = ()
        self._lines: list[Strip] = []
        self._wanted: tuple = ()  # (renderable, width, style) last sent to the worker
        self._have: tuple = ()  # what self._lines are of
        self._pending = False
        self._body: tuple = ((), None)  # (body_key, its renderable): kept while only the head changes
        self._body_lines: tuple = (None, 0, None, [])  # (body renderable, width, style, strips)
        self._pass: tuple[int, int, Style] | None = None  # (top line, width, base style) in render_lines

    @property
    def up_to_date(self) -> bool:
        """True once the lines on screen are those of the current description."""
        return not self._pending and self._have == self._wanted

    def show(self, record: TrialRecord | None, ranking: Ranking, budgets: Budgets,
             param_order: tuple[str, ...]) -> None:
        """Describe ``record`` (None: the placeholder); nothing happens if what it shows is unchanged."""
        n = record.number if record is not None else None
        key = (record, ranking.ranks.get(n), ranking.scores.get(n), n in ranking.front, budgets, param_order)
        if key == self._shown:
            return
        self._shown = key
        if record is None:
            self.renderable = PLACEHOLDER
        else:
            # While a trial runs only its head line changes: the body (and, in the worker, its lines:
            # Rich's layout of the sections is most of the ~10 ms a rendering holds the GIL) is reused.
            body = body_key(record, budgets, param_order)
            if body != self._body[0]:
                self._body = (body, describe_body(record, budgets, param_order))
            self.renderable = Group(describe_head(record, ranking), self._body[1])
        if not self._pending:
            self._pending = True
            self.call_later(self._request)

    def _request(self) -> None:
        self._pending = False
        width = self.scrollable_content_region.width
        key = (self.renderable, width, self.rich_style)
        if width <= 0 or key == self._wanted:
            return
        self._wanted = key
        if isinstance(self.renderable, str):  # the placeholder: no layout to compute, draw it now
            console = Console(width=width, file=io.StringIO(), force_terminal=True, legacy_windows=False)
            lines = console.render_lines(self.renderable, console.options.update_width(width), style=key[2])
            self.on_trial_detail_rendered(self.Rendered(key, [Strip(line) for line in lines]))
            return
        self._render_lines(key)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _render_lines(self, key: tuple) -> None:
        renderable, width, style = key
        head, body = renderable.renderables
        console = Console(width=width, file=io.StringIO(), force_terminal=True, legacy_windows=False)
        options = console.options.update_width(width)
        lines = [Strip(line) for line in console.render_lines(head, options, style=style, pad=False)]
        cached_body, cached_width, cached_style, body_lines = self._body_lines
        if (cached_body, cached_width, cached_style) != (body, width, style):
            body_lines = [Strip(line) for line in console.render_lines(body, options, style=style, pad=False)]
            self._body_lines = (body, width, style, body_lines)  # one tuple: another thread sees all or none
        self.post_message(self.Rendered(key, lines + body_lines))

    def on_trial_detail_rendered(self, message: Rendered) -> None:
        message.stop()
        if message.key != self._wanted:
            return  # a newer rendering is on its way
        same_look = message.key[1:] == self._have[1:]  # same width and style: lines compare as drawn
        before, self._have, self._lines = self._lines, message.key, message.lines
        set_virtual_size(self, Size(message.key[1], len(self._lines)))
        if not same_look:
            self.refresh()
            return
        # A running trial's description changes a line or two at a time (its stage, a timing): repaint
        # only the lines on screen that differ (16 lines cost 3-8 ms of the loop on a busy machine).
        top, lines = round(self.scroll_y), self._lines
        refresh_stale_lines(self, lambda y: _line(before, top + y) != _line(lines, top + y))

    def on_resize(self, event: events.Resize) -> None:
        self._request()

    def _pass_values(self) -> tuple[int, int, Style]:
        return round(self.scroll_y), self.scrollable_content_region.width, self.rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        # `rich_style` walks the ancestors' styles (~25 µs): once per pass, not once per line.
        self._pass = self._pass_values()
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        top, width, base = self._pass or self._pass_values()
        index = top + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].crop_extend(0, width, base)

    def plain_text(self, width: int = 120) -> str:
        """What the view shows, as plain text (for tests and logs)."""
        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(self.renderable)
        return console.file.getvalue()


def _line(lines: list[Strip], index: int) -> Strip | None:
    return lines[index] if index < len(lines) else None
