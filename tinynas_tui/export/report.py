"""The Markdown report of an export, with a text plot (the CSV is `tinynas_tui.export.trials_csv`).

A plain function of trial records (`tinynas_tui.core.trial_record.TrialRecord`) and their ranking,
so it can be tested without a study. The plot is plain text (no terminal styling): accuracy against
size of every complete trial, the front of accuracy vs size marked ``●``, the rest of the 3-objective
Pareto front ``○``, other trials ``·``, exported trials ``◉``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from tinynas_tui.core import figures
from tinynas_tui.core.boards import HOST_LATENCY, LatencyBoard
from tinynas_tui.core.budgets import Budgets, limit_text
from tinynas_tui.core.inert_text import inert, inert_lines
from tinynas_tui.core.plot_scale import PlotPoint, plot_frame, plot_points
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.scoring import Weights

GLYPH_POINT, GLYPH_FRONT, GLYPH_FULL_FRONT, GLYPH_EXPORTED = "·", "●", "○", "◉"
PLOT_WIDTH, PLOT_HEIGHT = 72, 18


# -- the text plot ---------------------------------------------------------------------------------


def text_plot(points: Sequence[PlotPoint], x_label: str = "size KiB", width: int = PLOT_WIDTH,
              height: int = PLOT_HEIGHT) -> str:
    """Accuracy (y) against ``x`` as plain text lines; in one cell an exported point is drawn over a point
    on the front of these axes, which is drawn over one only on the 3-objective front, then any other."""
    if not points:
        return "(no complete trials to plot)"
    frame = plot_frame([p.accuracy for p in points], [p.x for p in points], width, height, 5, y_minimum=2)
    margin, plot_width, row_of, col_of = frame.margin, frame.plot_width, frame.row_of, frame.col_of

    grid = [[(" ", 0)] * plot_width for _ in range(height)]
    for p in points:
        glyph, priority = ((GLYPH_EXPORTED, 4) if p.marked else (GLYPH_FRONT, 3) if p.on_axes_front
                           else (GLYPH_FULL_FRONT, 2) if p.on_front else (GLYPH_POINT, 1))
        row, col = row_of(p.accuracy), col_of(p.x)
        if 0 <= row < height and 0 <= col < plot_width and grid[row][col][1] < priority:
            grid[row][col] = (glyph, priority)

    tick_rows = frame.y_label_rows()
    lines = ["accuracy ↑"]
    for row in range(height):
        label = tick_rows.get(row)
        lines.append((label or "").rjust(margin - 1) + ("┤" if label else "│")
                     + "".join(glyph for glyph, _ in grid[row]).rstrip())
    axis, labels = frame.x_axis(minimum=2, labels_width=width + 8, clamp=False)
    lines += ["".join(axis), "".join(labels).rstrip(), f"{x_label} →".rjust(width)]
    return "\n".join(lines)


# -- the Markdown report ---------------------------------------------------------------------------


@dataclass
class ReportContext:
    """Everything the report says.

    Attributes:
        study_name: The study's name as stored.
        storage: The storage URL with any password masked (or "" when unknown).
        definition: The study's stored ``space``, ``pipeline``, ``dataset``, ``budgets`` and ``sampler``.
        weights: The weights the score and rank used (the budgets they used are ``ranking.budgets``).
        exported: The exported trials, in export order.
        complete: Every complete trial of the study (for the plot).
        ranking: Scores, ranks and front of the complete trials.
        total_trials: How many trials the study has in any state.
        files: Per exported trial number, the file names written for it.
        skipped: One line per skipped trial or file, e.g. ``trial 4: failed (train: ...)``.
        set_files: The names of the whole-set files (CSV, report).
        seeds: Per exported trial with seed repeats, what they say (`TrialBook.seed_line`).
    """

    study_name: str
    storage: str
    definition: dict[str, Any]
    weights: Weights
    exported: list[TrialRecord]
    complete: list[TrialRecord]
    ranking: Ranking
    total_trials: int
    files: dict[int, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    set_files: list[str] = field(default_factory=list)
    seeds: dict[int, str] = field(default_factory=dict)


def _md(text: Any) -> str:
    """Stored text made plain Markdown (inert, no table breaks, no HTML), safe in a table cell too."""
    return inert(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _code(text: Any) -> str:
    """Stored text as an inline code span, whatever backticks it holds (CommonMark's longer fence)."""
    body = inert(text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def describe_space(space: dict[str, Any]) -> str:
    if not space:
        return "(not recorded)"
    try:
        from tinynas_tui.core.space import SearchSpace

        parsed = SearchSpace.from_dict(space)
        parts = [f"{p.name} {p.describe()}" for p in parsed.params]
        return f"{_code(parsed.name)} (model {_code(parsed.model)}): " + _md("; ".join(parts))
    except Exception:  # a space this version cannot read is still worth showing as stored
        return _code(json.dumps(space, sort_keys=True))


def describe_dataset(dataset: dict[str, Any]) -> str:
    if not dataset:
        return "(not recorded)"
    extras = [f"{key.replace('_', ' ')} {_md(dataset[key])}" for key in ("train_samples", "test_samples", "seed")
              if dataset.get(key) is not None]
    return _code(dataset.get("name", "?")) + (f" ({', '.join(extras)})" if extras else "")


def describe_pipeline(pipeline: dict[str, Any]) -> str:
    if not pipeline:
        return "(not recorded)"
    rest = _md(", ".join(f"{k}={v}" for k, v in pipeline.items() if k != "name"))
    return _code(pipeline.get("name", "?")) + (f": {rest}" if rest else "")


def describe_latency(latency: dict[str, Any]) -> str:
    """What the latency figures are: the board estimate, or the host CPU's measurement."""
    board = LatencyBoard.from_dict(latency)
    if board is None:
        return f"measured on the {HOST_LATENCY} (the study has no board)"
    return (f"estimated for {_md(board.summary)} under TFLite Micro with CMSIS-NN kernels (an estimate "
            "fitted to published measurements; `tinynas-tui estimate` gives the per-operator detail)")


def describe_budgets(budgets: dict[str, Any]) -> str:
    """Budgets in words: ``flash ≤ 256 KiB, latency ≤ 10 ms`` (params.json keeps the stored names)."""
    if not budgets:
        return "none"
    try:
        return _md(", ".join(limit_text(name, limit) for name, _, limit in Budgets.from_dict(budgets).limits()))
    except Exception:  # budgets this version cannot read are still worth showing as stored
        return _md(", ".join(f"{k} {v}" for k, v in budgets.items()))


def budget_lines(in_force: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """The budgets the rank used; when they are not the study's own (an export from the UI with other
    budgets set), which is which."""
    if _same_budgets(in_force, stored):
        return [f"- **Budgets:** {describe_budgets(in_force)}"]
    return [f"- **Budgets:** {describe_budgets(in_force)} (in force for this export: they decide the rank "
            "and which trials fit; they are not the study's own)",
            f"- **Study's budgets:** {describe_budgets(stored)} (stored with the study: its trials' "
            "constraints and pre-flight skips used these)"]


def _readable(budgets: dict[str, Any]) -> bool:
    try:
        Budgets.from_dict(budgets)
    except Exception:
        return False
    return True


def _same_budgets(a: dict[str, Any], b: dict[str, Any]) -> bool:
    try:
        return {k: float(v) for k, v in a.items()} == {k: float(v) for k, v in b.items()}
    except (TypeError, ValueError):
        return a == b


def hypervolume_lines(stored: Any) -> list[str]:
    """The study's hypervolume and its reference, when the definition carries them."""
    if not isinstance(stored, dict) or not isinstance(stored.get("value"), (int, float)):
        return []
    return [f"- **Hypervolume:** {stored['value']:.4f} (the normalised objective space its Pareto front dominates; "
            f"reference: {_md(stored.get('reference_text') or '?')})"]


def weights_formula(weights: Weights) -> str:
    return (f"score = accuracy × {weights.accuracy:g} − size_kb × {weights.size_kb:g} − "
            f"latency_ms × {weights.latency_ms:g}")


def value_text(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format(value, spec)


def markdown_report(ctx: ReportContext) -> str:
    """The report: the study's definition, a table of the exported trials, the skipped ones, the plot."""
    d = ctx.definition
    stored = d.get("budgets") or {}
    budgets = ctx.ranking.budgets.to_dict() if ctx.ranking.budgets is not None else stored
    lines = [
        f"# Export of study {_code(ctx.study_name)}",
        "",
        f"- **Storage:** {_code(ctx.storage or 'unknown')}",
        f"- **Dataset:** {describe_dataset(d.get('dataset') or {})}",
        f"- **Space:** {describe_space(d.get('space') or {})}",
        f"- **Pipeline:** {describe_pipeline(d.get('pipeline') or {})}",
        f"- **Sampler:** {_code(d.get('sampler') or 'tpe')}",
        *budget_lines(budgets, stored),
        f"- **Latency:** {describe_latency(d.get('latency') or {})}",
        f"- **Weights:** `{ctx.weights.as_text()}` ({weights_formula(ctx.weights)})"
        + ("; trials over a budget rank after all that fit" if budgets else ""),
        f"- **Trials:** {ctx.total_trials} in the study, {len(ctx.complete)} complete, "
        f"{len(ctx.exported)} exported",
        *hypervolume_lines(d.get("hypervolume")),
        "",
        "## Exported trials",
        "",
    ]
    if ctx.exported:
        lines += [
            "| trial | accuracy | float acc. | size KiB | latency ms | arena KiB | MACs | params | score | rank "
            "| Pareto | files |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | --- |",
        ]
        for r in ctx.exported:
            a = r.attrs
            files = ", ".join(_code(name) for name in ctx.files.get(r.number, []))
            lines.append("| " + " | ".join([
                str(r.number), value_text(r.accuracy, ".4f"), value_text(a.get(figures.FLOAT_ACCURACY), ".4f"),
                value_text(r.size_kb, ".1f"), value_text(r.latency_ms, ".2f"), value_text(r.arena_kb, ".1f"),
                value_text(a.get(figures.MACS), ","), value_text(a.get(figures.PARAMS), ","),
                value_text(ctx.ranking.scores.get(r.number), ".2f"), value_text(ctx.ranking.ranks.get(r.number), "d"),
                "★" if r.number in ctx.ranking.front else "", files.replace("|", "\\|"),
            ]) + " |")
        lines.append("")
        lines += ["Parameters:", ""]
        for r in ctx.exported:
            text = ", ".join(f"{k}={_fmt_param(v)}" for k, v in r.params.items())
            lines.append(f"- trial {r.number}: {_md(text) or '(none)'}")
        if ctx.seeds:
            lines += ["", "Seeds (repeats stay off the front and the rank: they measure a trial again):", ""]
            lines += [f"- trial {n}: {_md(line)}" for n, line in ctx.seeds.items()]
        if budgets:
            lines += ["", "Budgets:", ""]
            checked = ctx.ranking.budgets or (Budgets.from_dict(budgets) if _readable(budgets) else Budgets())
            for r in ctx.exported:
                words = "; ".join(f"{name} {text}" for name, text in checked.check_texts(r))
                lines.append(f"- trial {r.number}: {_md(words) or '(not checked)'}")
    else:
        lines.append("No trial was exported.")
    if ctx.skipped:
        lines += ["", "## Skipped", ""]
        lines += [f"- {_md(s)}" for s in ctx.skipped]
    if ctx.set_files:
        lines += ["", "Also written: " + ", ".join(_code(n) for n in ctx.set_files) + "."]

    front_ids = [r.number for r in ctx.complete if r.number in ctx.ranking.front]
    points = plot_points(((r.number, r.accuracy, r.size_kb) for r in ctx.complete), ctx.ranking.front,
                         {r.number for r in ctx.exported})
    lines += [
        "",
        "## Accuracy vs size, every complete trial",
        "",
        "```text",
        text_plot(points),
        "```",
        "",
        f"Legend: `{GLYPH_FRONT}` on the front of accuracy vs size (no trial is as accurate and as small "
        f"and better on one), "
        f"`{GLYPH_FULL_FRONT}` on the Pareto front of all three objectives (accuracy ↑, size ↓, latency ↓) only: "
        f"dominated on this plot, faster than those that dominate it, `{GLYPH_POINT}` other complete trial, "
        f"`{GLYPH_EXPORTED}` exported trial (drawn over the others).",
        "",
        "- Pareto front: " + (", ".join(f"#{n}" for n in front_ids) or "none"),
        "- Exported: " + (", ".join(f"#{r.number}" for r in ctx.exported) or "none"),
        "",
    ]
    return inert_lines("\n".join(lines))  # nothing stored reaches a reader's terminal (`cat report.md`)


def _fmt_param(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
