"""The detail of a running trial: how long it has run and may take, its epochs, its pre-flight figures.

Most important first, as the detail is a few lines at 80×24: the head line (stage and epoch), then the
time line (`time_text`, repainted every second by the view), then the epochs, the pre-flight figures and
the parameters. Live progress exists only for trials this UI runs (`TrialRecord.live`); a trial another
process runs shows what storage has: its parameters and its start.
"""

from __future__ import annotations

from typing import Any

from rich.columns import Columns
from rich.console import Group
from rich.text import Text

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets, check_text
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.live_trial import LiveTrial
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.widgets.status_bar import format_eta
from tinynas_tui.tui.widgets.trial_detail.sections import _grid, count_text, kib_text, param_rows

EPOCH_ROWS = 8
"""Epochs shown at most (the newest); fewer when the view is short (`epoch_rows`)."""
METRIC_COLUMNS = 4
"""Figures per epoch at most (loss, accuracy, val_loss, val_accuracy fit 80 columns)."""


def epoch_rows(height: int, head_lines: int = 1) -> int:
    """How many epochs a view ``height`` lines tall shows: what is left under the head (``head_lines``:
    its same-architecture and seed lines too), the time line and the table's title and header, at
    least 1. Never more than fit: the rows are oldest first, so one too many scrolls the newest epoch,
    the one the user watches, out of view (80×24 with 11 trials leaves the detail 6 lines)."""
    return max(1, min(EPOCH_ROWS, height - 3 - head_lines))


def time_text(record: TrialRecord, typical: tuple[float, int] | None, now: float) -> Text:
    """The time line, always one line: ``elapsed 0:42 · ≈ 1:20 expected (median of 7 trials) · train ≈
    0:24 left``.

    Args:
        record: The running trial.
        typical: (median seconds, how many trials) of the study's complete trials (`TrialBook.typical_seconds`).
        now: ``time.time()``.
    """
    line = Text(no_wrap=True, overflow="ellipsis")
    elapsed = None if record.started_at is None else max(0.0, now - record.started_at)
    line.append("elapsed ")
    line.append(format_eta(elapsed), style="bold")
    if typical is not None:
        median, count = typical
        line.append(f" · ≈ {format_eta(median)} expected (median of {count} trial{'' if count == 1 else 's'})")
    live = record.live
    left = live.stage_left(now) if live is not None else None
    if left is not None and live is not None and live.stage and format_eta(left) != "0:00":
        line.append(f" · {inert(live.stage)} ≈ {format_eta(left)} left")
    elif typical is None:
        line.append(" · no expected time yet (no complete trial)")
    return line


def shown_epochs(record: TrialRecord, rows: int) -> int:
    """How many epochs the detail shows of ``record`` with room for ``rows``: a view that grew or shrank
    draws the same epochs table while this is unchanged (the table growing by a row shrinks the view)."""
    return 0 if record.live is None else min(rows, len(record.live.epochs))


def running_key(record: TrialRecord, budgets: Budgets, param_order: tuple[str, ...], rows: int) -> tuple:
    """What `describe_running` depends on: equal keys describe equal bodies (compare with ==).

    Not the stage nor when it began (the head and time lines show those): a new stage lays no section
    out again unless it has no epoch yet. Not ``rows`` itself: only the epochs it shows."""
    live = record.live
    shown = None if live is None else (live.epochs[-rows:], live.preflight, None if live.epochs else live.stage)
    return (record.state, record.params, shown, record.attrs.get(figures.WORKER_HOST), budgets, param_order)


def describe_running(record: TrialRecord, budgets: Budgets, param_order: tuple[str, ...],
                     rows: int = EPOCH_ROWS) -> Group:
    """Everything under the time line of a running trial: its epochs (the last ``rows``), pre-flight
    figures and parameters; for a trial another process runs, a note and its parameters."""
    params = _grid(param_rows(record, param_order), "parameters")
    live = record.live
    if live is None:
        host = record.attrs.get(figures.WORKER_HOST)
        where = f" (on {inert(host)})" if host else ""
        note = Text(f"Run by another process{where}: live progress (epochs, pre-flight figures) is shown "
                    "only for trials this UI runs.", style="italic")
        return Group(note, params)
    sections: list[Any] = []
    epochs = epochs_table(live, rows)
    sections.append(epochs if epochs is not None else Text(_waiting(live), style="italic"))
    if live.preflight:
        sections.append(_grid(preflight_rows(live.preflight, budgets), "pre-flight"))
    sections.append(params)
    return Group(Columns(sections, padding=(0, 3)))


def _waiting(live: LiveTrial) -> str:
    return f"no epoch yet ({inert(live.stage)})" if live.stage else "no epoch yet"


def epochs_table(live: LiveTrial, rows: int) -> Text | None:
    """The last ``rows`` epochs, one a line: the stage's epoch, then loss and accuracy (and their
    ``val_`` figures) as Keras logged them; None before the first epoch.

    Plain lines in fixed columns rather than a Rich table: laid out again on every epoch, a table cost
    ~17 ms of the interpreter lock the event loop shares.
    """
    if not live.epochs:
        return None
    shown = live.epochs[-rows:]
    names = _metric_names(shown)
    headers = [inert(name).replace("accuracy", "acc") for name in names]  # val_acc: 80 columns hold the rest beside
    many_stages = len({e.stage for e in live.epochs}) > 1
    title = "epochs" if many_stages else f"{inert(shown[-1].stage)} epochs"
    if len(live.epochs) > len(shown):
        title += f" (last {len(shown)})"
    labels = [f"{inert(e.stage)} {e.epoch}/{e.epochs}" if many_stages else f"{e.epoch}/{e.epochs}" for e in shown]
    first = max(len("epoch"), *map(len, labels))
    widths = [max(len(header), 6) for header in headers]
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(title, style="bold underline")
    text.append("\n" + " ".join(["epoch".ljust(first), *(h.rjust(w) for h, w in zip(headers, widths))]), style="bold")
    for label, event in zip(labels, shown):
        cells = (_number(event.logs.get(name)).rjust(w) for name, w in zip(names, widths))
        text.append("\n" + " ".join([label.ljust(first), *cells]))
    return text


def _metric_names(epochs: tuple[Any, ...]) -> list[str]:
    """Loss first, then accuracy and other figures, each before its ``val_`` twin; at most `METRIC_COLUMNS`."""
    names: dict[str, None] = {}
    for event in epochs:
        names.update(dict.fromkeys(event.logs))
    base = lambda n: n[4:] if n.startswith("val_") else n  # noqa: E731
    ordered = sorted(names, key=lambda n: (n.startswith("val_"), base(n) != "loss", "acc" not in base(n), n))
    return ordered[:METRIC_COLUMNS]


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—"
    return f"{value:.4f}"


def preflight_rows(found: dict[str, Any], budgets: Budgets) -> list[tuple[str, str]]:
    """Parameters, MACs and the estimates from the untrained model, each against its budget when one is set.

    The weight and RAM figures are lower bounds (what the pre-flight check skips a model on); the size
    adds the flatbuffer's usual overhead.
    """
    rows = []
    if found.get(figures.PARAMS) is not None:
        rows.append(("parameters", count_text(found[figures.PARAMS])))
    if found.get(figures.MACS) is not None:
        rows.append(("MACs", count_text(found[figures.MACS])))
    for name, key, budget, mark in (("int8 size", figures.EST_SIZE_BYTES, "flash", "≈"),
                                    ("int8 weights", figures.EST_WEIGHT_BYTES, None, "≥"),
                                    ("peak RAM", figures.EST_ACTIVATION_BYTES, "RAM", "≥")):
        value = found.get(key)
        if value is None:
            continue
        limit = budgets.max_flash_kb if budget == "flash" else budgets.max_ram_kb if budget == "RAM" else None
        rows.append((name, f"{mark} {check_text(budget, limit, value / 1024) if limit is not None else kib_text(value)}"))
    latency = found.get(figures.EST_LATENCY_MS)
    if latency is not None:
        words = (check_text("latency", budgets.max_latency_ms, latency) if budgets.max_latency_ms is not None
                 else f"{latency:.2f} ms")
        rows.append(("latency", f"≈ {words} (estimated)"))
    return rows
