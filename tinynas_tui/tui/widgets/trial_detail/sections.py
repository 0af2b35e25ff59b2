"""The detail of one trial as Rich renderables: parameters, every metric, stage timings, layers, budgets,
failure (a finished trial; a running one's sections are in `running`).

Sizes are bytes / 1024, shown as KiB; counts (MACs, parameters, cycles) in full with thousands separators.
"""

from __future__ import annotations

from typing import Any

from rich.columns import Columns
from rich.console import Group
from rich.table import Table
from rich.text import Text

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord


def value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def accuracy_text(value: Any) -> str:
    """An accuracy as the table shows it, four decimals (``0.9233``); ``—`` when unknown."""
    return f"{value:.4f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else value_text(value)


def count_text(value: Any) -> str:
    """A count in full with thousands separators (``1,234,567``); ``—`` when unknown."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else value_text(value)
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


def param_rows(record: TrialRecord, param_order: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, value) of the trial's parameters, in the search space's order, then any others."""
    names = [n for n in param_order if n in record.params] + [n for n in record.params if n not in param_order]
    return [(n, value_text(record.params[n])) for n in names]


def describe(record: TrialRecord, ranking: Ranking, budgets: Budgets, param_order: tuple[str, ...]) -> Group:
    """The renderable for one trial; sections sit side by side when the width allows."""
    return Group(describe_head(record, ranking), describe_body(record, budgets, param_order))


SAME_SHOWN = 5  # trials of the same architecture named in the head line; more are counted


def describe_head(record: TrialRecord, ranking: Ranking, same: tuple[int, ...] = (), seeds: str | None = None) -> Text:
    """The first line: trial, state and stage, rank and score (what changes while a trial runs), the
    other trials of ``same`` architecture (only training parameters differ), and what its ``seeds`` say
    (`TrialBook.seed_line`: its accuracy over its seed repeats, or whose repeat it is)."""
    head = Text.assemble((f"Trial {record.number}", "bold"), "  ", (record.state, "italic"))
    if record.activity:
        head.append(f" · {inert(record.activity)}")
    if record.number in ranking.ranks:
        head.append(f"    rank {ranking.ranks[record.number]}    score {ranking.scores[record.number]:.2f}")
        if record.number in ranking.front:
            head.append("    ★ on the Pareto front", style="bold")
    if same:
        named = ", ".join(f"#{n}" for n in same[:SAME_SHOWN])
        more = f" and {len(same) - SAME_SHOWN} more" if len(same) > SAME_SHOWN else ""
        head.append(f"\nsame architecture as {named}{more}", style="cyan")  # a line of its own: 80 columns
    if seeds:
        head.append(f"\n{seeds}", style="cyan")
    return head


def head_lines(same: tuple[int, ...] = (), seeds: str | None = None) -> int:
    """How many lines `describe_head` takes with these ``same`` and ``seeds``."""
    return 1 + bool(same) + bool(seeds)


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
    sections.append(_grid(param_rows(record, param_order), "parameters"))
    if record.values:
        metrics = [
            ("accuracy int8", accuracy_text(record.accuracy)),
            ("accuracy float", accuracy_text(a.get(figures.FLOAT_ACCURACY))),
            ("size", f"{record.size_kb:.1f} KiB"),
            *latency_rows(record),
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
        ("validation acc", validation_text(a)),
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
        where = [(label, str(a[name])) for label, name in (("trained on", figures.TRAINED_ON),
                                                          ("run by", figures.WORKER_HOST)) if a.get(name)]
        sections.append(_grid([(k, f"{v:.2f} s") for k, v in timings.items()] + [("total", f"{total:.2f} s")]
                              + where, "stage timings"))
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


def validation_text(attrs: dict[str, Any]) -> str | None:
    """With early stopping: the kept epoch's held-out accuracy, which epoch that was and of how many."""
    accuracy = attrs.get(figures.VALIDATION_ACCURACY)
    if accuracy is None:
        return None
    where = f"epoch {attrs.get(figures.BEST_EPOCH, '?')} of {attrs.get(figures.EPOCHS_RUN, '?')}"
    held = attrs.get(figures.VALIDATION_SAMPLES)
    return f"{float(accuracy):.4f} ({where}" + (f", {held} held out)" if held else ")")


def latency_rows(record: TrialRecord) -> list[tuple[str, str]]:
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
