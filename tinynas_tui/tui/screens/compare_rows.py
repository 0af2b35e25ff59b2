"""What comparing two trials shows: sections of (label, left, right) rows, in the detail view's formats.

Every figure is written by the formatter the detail view and the table use (`trial_detail`, `rows`,
`budgets.check_text`), so a figure reads the same wherever it appears. Plain functions of the records,
so the comparison is tested without a screen.
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.widgets.trial_detail import (
    accuracy_text,
    count_text,
    latency_rows,
    quantization_text,
    value_text,
)

Row = tuple[str, str, str]
"""(label, the first trial's text, the second's)."""
NONE = "—"


def pick_pair(marked: set[int], highlighted: int | None) -> tuple[int, int] | str:
    """The two trials to compare: the two marked, or the one marked and the highlighted one.

    Returns:
        The pair (lower number first), or what to tell the user instead.
    """
    if len(marked) == 2:
        a, b = sorted(marked)
        return a, b
    if len(marked) == 1 and highlighted is not None and highlighted not in marked:
        (a,) = marked
        return (a, highlighted) if a < highlighted else (highlighted, a)
    if len(marked) > 2:
        return f"{len(marked)} trials are marked: mark exactly two (space) to compare them"
    if len(marked) == 1:
        return "Mark a second trial (space), or highlight another one, to compare it with the marked one"
    return "Mark two trials (space) to compare them"


def _objectives(r: TrialRecord) -> list[tuple[str, str]]:
    if not r.values:
        return [("accuracy int8", NONE), ("size", NONE), ("latency", NONE)]
    return [("accuracy int8", accuracy_text(r.accuracy)), ("size", f"{r.size_kb:.1f} KiB"),
            ("latency", latency_rows(r)[0][1])]


def _figures(r: TrialRecord, ranking: Ranking, budgets: Budgets) -> list[tuple[str, str]]:
    a, n = r.attrs, r.number
    score, rank = ranking.scores.get(n), ranking.ranks.get(n)
    over = n in ranking.ranks and n not in ranking.feasible
    rows = [
        ("accuracy float", accuracy_text(a.get(figures.FLOAT_ACCURACY))),
        ("arena (TFLM)", NONE if r.arena_kb is None else f"{r.arena_kb:.1f} KiB"),
        ("MACs", count_text(a.get(figures.MACS))),
        ("parameters", count_text(a.get(figures.PARAMS))),
        ("quantization", quantization_text(a)),
        ("score", NONE if score is None else f"{score:.2f}"),
        ("rank", NONE if rank is None else f"{rank}" + (" (over a budget)" if over else "")),
    ]
    return rows + [(f"{name} budget", text) for name, text in budgets.check_texts(r)]


def _layer_text(layer: Any) -> str:
    if not isinstance(layer, dict):
        return value_text(layer)
    shape = "×".join(str(d) for d in layer.get("output_shape", [])[1:])
    params = "" if layer.get("params") is None else f"{count_text(layer['params'])} params"
    return " ".join(str(p) for p in (layer.get("name", ""), layer.get("type", ""), shape, params) if p)


def _layers(r: TrialRecord) -> list[str]:
    layers = r.attrs.get(figures.LAYERS) or []
    if isinstance(layers, str):  # only the one-line summary was read
        return [layers]
    return [_layer_text(layer) for layer in layers]


def _paired(left: list[tuple[str, str]], right: list[tuple[str, str]]) -> list[Row]:
    """Rows of both, by label, in the first's order then the second's extra labels."""
    lv, rv = dict(left), dict(right)
    labels = list(lv) + [k for k in rv if k not in lv]
    return [(k, lv.get(k, NONE), rv.get(k, NONE)) for k in labels]


def compare_sections(left: TrialRecord, right: TrialRecord, ranking: Ranking, budgets: Budgets,
                     param_order: tuple[str, ...] = ()) -> list[tuple[str, list[Row]]]:
    """The comparison, section by section: trial, parameters, objectives, other figures, layers."""
    trial = [("state", left.state, right.state)]
    if left.reason or right.reason:
        trial.append(("why", left.reason or NONE, right.reason or NONE))
    names = [n for n in param_order if n in left.params or n in right.params]
    names += sorted({*left.params, *right.params} - set(names))
    # A conditional parameter a trial did not use (a `blocks` space's dense_units with n_dense 0): "—".
    params = [(n, value_text(left.params[n]) if n in left.params else NONE,
               value_text(right.params[n]) if n in right.params else NONE) for n in names]
    l_layers, r_layers = _layers(left), _layers(right)
    layers = [(str(i + 1), l_layers[i] if i < len(l_layers) else NONE, r_layers[i] if i < len(r_layers) else NONE)
              for i in range(max(len(l_layers), len(r_layers)))]
    return [
        ("trial", trial),
        ("parameters", params),
        ("objectives", _paired(_objectives(left), _objectives(right))),
        ("other figures", _paired(_figures(left, ranking, budgets), _figures(right, ranking, budgets))),
        ("layers", layers),
    ]


def differs(row: Row) -> bool:
    return row[1] != row[2]
