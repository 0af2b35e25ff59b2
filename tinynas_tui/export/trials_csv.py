"""The CSV of an export: one row per chosen trial, its figures, its rank, its seeds, its parameters.

A plain function of trial records (`tinynas_tui.core.trial_record.TrialRecord`), their ranking and their
seed spreads (`tinynas_tui.core.seed_repeats.SeedSpread`), so it can be tested without a study.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Mapping, Sequence

from tinynas_tui.core import figures
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.seed_repeats import SeedSpread, repeat_of
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord

CSV_COLUMNS = (
    "number", "state", "accuracy", "float_accuracy", "size_kb", "latency_ms", "arena_kb", "macs", "params",
    "score", "rank", "on_pareto", "gzip_kb", "sparsity", "latency_board", "latency_cycles", "host_latency_ms",
    # Seed repeats: the accuracy of a repeated trial over its seeds, and on a repeat the trial it repeats.
    "repeat_of", "accuracy_mean", "accuracy_std", "accuracy_min", "accuracy_max", "accuracy_runs",
)

CSV_DIGITS = 7
"""Significant digits of a float in the CSV. Enough that a size in KiB below 1 MiB gives back its exact
byte count (``round(kib * 1024)``) and an accuracy on up to a million samples its count of correct
ones; ``79.18369774999998`` is written ``79.1837``."""

# A cell a spreadsheet would read as a formula (CSV injection): shown as text with a leading quote.
_FORMULA_START = ("=", "+", "-", "@")


def csv_value(value: Any, exact: bool = False) -> Any:
    """A cell; a float to `CSV_DIGITS` significant digits unless ``exact`` (a parameter: the value the
    trial trained with, to run it again)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return repr(value) if exact else format(value, f".{CSV_DIGITS}g")
    if isinstance(value, str):
        text = inert(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return value


def param_columns(records: Sequence[TrialRecord], param_order: Sequence[str]) -> list[tuple[str, str]]:
    """(column, param name) for every parameter of ``records``: the space's order first, then the rest.

    A parameter whose name is also a fixed column (e.g. ``params``) gets the column ``param_<name>``.
    """
    names = [n for n in param_order if any(n in r.params for r in records)]
    for r in records:
        names += [n for n in r.params if n not in names]
    return [(f"param_{n}" if n in CSV_COLUMNS else n, n) for n in names]


def _kb(value: Any) -> float | None:
    return None if value is None else value / 1024.0


def _seed_cells(spread: SeedSpread | None) -> list[Any]:
    if spread is None:
        return [None] * 5
    return [spread.mean, spread.std, spread.low, spread.high, spread.runs]


def csv_text(records: Sequence[TrialRecord], ranking: Ranking, param_order: Sequence[str] = (),
             spreads: Mapping[int, SeedSpread] | None = None) -> str:
    """One row per record (in the given order): the fixed `CSV_COLUMNS`, then one column per parameter.

    Figures that are floats are written to `CSV_DIGITS` significant digits, parameters in full; a figure
    that was not measured is an empty cell; booleans are ``true``/``false``.

    Args:
        spreads: By trial number, the accuracy over its seeds (`TrialBook.seed_spread`) of those that have
            seed repeats; their ``accuracy_*`` cells are empty otherwise.
    """
    spreads = spreads or {}
    params = param_columns(records, param_order)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_value(column) for column in (*CSV_COLUMNS, *(column for column, _ in params))])
    for r in records:
        a = r.attrs
        row = [
            r.number, r.state, r.accuracy, a.get(figures.FLOAT_ACCURACY), r.size_kb, r.latency_ms, r.arena_kb,
            a.get(figures.MACS), a.get(figures.PARAMS), ranking.scores.get(r.number), ranking.ranks.get(r.number),
            r.number in ranking.front, _kb(a.get(figures.GZIP_BYTES)), a.get(figures.TFLITE_SPARSITY),
            a.get(figures.LATENCY_BOARD), a.get(figures.LATENCY_CYCLES), a.get(figures.HOST_LATENCY_MS),
            repeat_of(r), *_seed_cells(spreads.get(r.number)),
        ]
        writer.writerow([csv_value(v) for v in row] + [csv_value(r.params.get(name), exact=True)
                                                        for _, name in params])
    return out.getvalue()
