"""The trial table's columns: keys, headers, widths, what each sort order puts first, and the number
formats of the cells (plain Python, no Textual)."""

from __future__ import annotations

# (key, header, width) in display order: what decides a ranking first, so 80 columns show it all.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("mark", "✓", 1),
    ("number", "#", 4),
    ("state", "state", 12),
    ("acc", "acc", 6),
    ("size", "size KiB", 8),
    ("latency", "lat ms", 8),
    ("score", "score", 6),
    ("rank", "rank", 4),
    ("pareto", "P", 1),
    ("float_acc", "f.acc", 6),
    ("arena", "arena KiB", 9),  # the figures are bytes / 1024, as the detail and the report say
    ("macs", "MACs", 7),
    ("arch", "arch", 6),
)
FIXED_COLUMNS = 2
"""The first columns (the mark and the trial number) stay in view when the table scrolls right."""
SORTABLE = tuple(key for key, _, _ in COLUMNS)
# What each column's ascending (▲) and descending (▼) orders put first, in words: "score (reversed)"
# left the user to work out that a reversed score is best first.
ORDER_WORDS: dict[str, tuple[str, str]] = {
    "mark": ("unmarked first", "marked first"),
    "number": ("oldest first", "newest first"),
    "state": ("a to z", "z to a"),
    "acc": ("lowest first", "highest first"),
    "size": ("smallest first", "largest first"),
    "latency": ("fastest first", "slowest first"),
    "score": ("worst first", "best first"),
    "rank": ("best first", "worst first"),
    "pareto": ("front last", "front first"),
    "float_acc": ("lowest first", "highest first"),
    "arena": ("smallest first", "largest first"),
    "macs": ("fewest first", "most first"),
    "arch": ("same architecture together", "same architecture together, newest first"),
}
ASCENDING, DESCENDING = "▲", "▼"


def order_words(column: str, reverse: bool) -> str:
    """The order a sort shows, in words (``score``, reversed: "best first")."""
    return ORDER_WORDS[column][reverse]


# Rich style names: ANSI colours follow the terminal's own palette.
STATE_STYLES = {"running": "bold cyan", "complete": "green", "pruned": "yellow", "failed": "red", "waiting": "dim"}
MARK_STYLE = "bold cyan"
FRONT_STYLE = "bold yellow"
ARCH_STYLE = "magenta"
RANKED = ("score", "rank", "pareto")
"""Columns whose values come from the ranking rather than the trial."""
# Beyond this many moved rows in one update, one full sort is cheaper than moving each.
MOVE_LIMIT = 256

Cell = tuple[str, str, bool]
"""(text, rich style, right-justified)."""


def human_count(n: int | None) -> str:
    if n is None:
        return "—"
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def latency_text(ms: float | None) -> str:
    """Milliseconds in at most 7 characters: two decimals below 100 ms, one below 10 s, none above."""
    if ms is None:
        return "—"
    return f"{ms:.2f}" if ms < 100 else f"{ms:.1f}" if ms < 10_000 else f"{ms:.0f}"


def latency_header(board: str | None, width: int = 8) -> str:
    """The latency column's header: milliseconds on which board (``m4-1m ms``), or on the host."""
    name = board or "host"
    text = f"{name} ms"
    return text if len(text) <= width else f"{name[:width - 4]}… ms"


def num_cell(value: float | None, fmt: str) -> Cell:
    """A number right-justified in ``fmt``, or a dash when there is none."""
    return ("—" if value is None else format(value, fmt), "", True)
