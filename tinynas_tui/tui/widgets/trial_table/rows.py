"""The trial table's model: trials by number, their cells, and the display order under a sort column.

Plain Python (no Textual), so the table widget renders only the rows on screen and this model can be
tested on its own. The order is kept sorted as rows change: a changed trial is moved by binary search
(O(log n) comparisons), and a full sort (O(n log n)) happens only when the sort column or the ranking
basis (weights, budgets) changes.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from tinynas_tui.core import figures
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.trial_book import Ranking, TrialRecord

# (key, header, width) in display order: what decides a ranking first, so 80 columns show it all.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("mark", "✓", 1),
    ("number", "#", 4),
    ("state", "state", 12),
    ("acc", "acc", 6),
    ("size", "size KB", 7),
    ("latency", "lat ms", 8),
    ("score", "score", 6),
    ("rank", "rank", 4),
    ("pareto", "P", 1),
    ("float_acc", "f.acc", 6),
    ("arena", "arena KB", 8),
    ("macs", "MACs", 7),
)
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
}
ASCENDING, DESCENDING = "▲", "▼"


def order_words(column: str, reverse: bool) -> str:
    """The order a sort shows, in words (``score``, reversed: "best first")."""
    return ORDER_WORDS[column][reverse]
# Rich style names: ANSI colours follow the terminal's own palette.
STATE_STYLES = {"running": "bold cyan", "complete": "green", "pruned": "yellow", "failed": "red", "waiting": "dim"}
MARK_STYLE = "bold cyan"
FRONT_STYLE = "bold yellow"
RANKED = ("score", "rank", "pareto")
"""Columns whose values come from the ranking rather than the trial."""
# Beyond this many moved rows in one update, one full sort is cheaper than moving each.
MOVE_LIMIT = 256

Cell = tuple[str, str, bool]
"""(text, rich style, right-justified)."""
EMPTY_RANKING = Ranking({}, {}, frozenset(), frozenset())


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


def _num(value: float | None, fmt: str) -> Cell:
    return ("—" if value is None else format(value, fmt), "", True)


class TrialRows:
    """Trials shown by the table, in display order; rows are keyed by trial number."""

    def __init__(self) -> None:
        self.records: dict[int, TrialRecord] = {}
        self.ranking: Ranking = EMPTY_RANKING
        self.marked: set[int] = set()
        self.order: list[int] = []
        self.sort_column = "number"
        self.sort_reverse = False
        self.moves = 0
        """Counts changes to the order (a row added, moved or removed, a sort)."""

    def __len__(self) -> int:
        return len(self.order)

    # -- values and cells --------------------------------------------------------------------------

    def value(self, number: int, column: str) -> Any:
        """The raw value a column sorts by (None when the trial has none)."""
        return self._getter(column)(number)

    def _getter(self, column: str) -> Callable[[int], Any]:
        """A fast function from trial number to the column's raw value (sorting calls it per row)."""
        records, ranking = self.records, self.ranking
        if column == "number":
            return lambda n: n
        if column == "mark":
            return self.marked.__contains__
        if column == "state":
            return lambda n: records[n].state
        if column == "score":
            return ranking.scores.get
        if column == "rank":
            return ranking.ranks.get
        if column == "pareto":
            return ranking.front.__contains__
        if column in ("acc", "size", "latency"):
            i = ("acc", "size", "latency").index(column)
            return lambda n: v[i] if (v := records[n].values) else None
        if column in ("float_acc", "macs"):
            key = figures.FLOAT_ACCURACY if column == "float_acc" else figures.MACS
            return lambda n: records[n].attrs.get(key)
        if column == "arena":
            return lambda n: records[n].arena_kb
        raise KeyError(column)

    def cells(self, number: int) -> list[Cell]:
        """The row's cells in column order."""
        r, ranking = self.records[number], self.ranking
        score = ranking.scores.get(number)
        rank = ranking.ranks.get(number)
        feasible = number in ranking.feasible or r.state != "complete"
        macs = r.attrs.get(figures.MACS)
        return [
            ("✓" if number in self.marked else " ", MARK_STYLE, False),
            (str(number), "", True),
            (r.state if r.state != "running" else f"▶ {inert(r.activity or '')}", STATE_STYLES.get(r.state, ""),
             False),
            _num(r.accuracy, ".4f"),
            _num(r.size_kb, ".1f"),
            (latency_text(r.latency_ms), "", True),
            _num(score, ".2f"),
            ("—" if rank is None else str(rank) + ("" if feasible else "✗"), "", True),
            ("★" if number in ranking.front else " ", FRONT_STYLE, False),
            _num(r.attrs.get(figures.FLOAT_ACCURACY), ".4f"),
            _num(r.arena_kb, ".1f"),
            (human_count(macs) if macs is not None else "—", "", True),
        ]

    def cell_text(self, number: int, column: str) -> str:
        return self.cells(number)[SORTABLE.index(column)][0]

    # -- order ---------------------------------------------------------------------------------------

    def _key_function(self) -> Callable[[int], tuple]:
        reverse, value = self.sort_reverse, self._getter(self.sort_column)

        def key(number: int) -> tuple:
            v = value(number)
            missing = v is None
            # Missing values sort last whichever the direction.
            return (missing != reverse, 0 if missing else v, number)

        return key

    def sort(self, column: str | None = None, reverse: bool | None = None) -> None:
        """Sort every row (by ``column`` and direction, if given)."""
        self.moves += 1
        if column is not None:
            self.sort_column = column
        if reverse is not None:
            self.sort_reverse = reverse
        if self.sort_column == "number":  # the common case needs no key function
            self.order = sorted(self.records, reverse=self.sort_reverse)
        else:
            self.order.sort(key=self._key_function(), reverse=self.sort_reverse)

    def _insert(self, number: int, key: Callable[[int], tuple]) -> None:
        """Put ``number`` where it belongs in the sorted order (binary search)."""
        self.moves += 1
        order, k, lo, hi = self.order, key(number), 0, len(self.order)
        while lo < hi:
            mid = (lo + hi) // 2
            before = key(order[mid]) < k if not self.sort_reverse else key(order[mid]) > k
            if before:
                lo = mid + 1
            else:
                hi = mid
        order.insert(lo, number)

    def update(self, records: Iterable[TrialRecord], ranking: Ranking) -> set[int] | None:
        """Take new or changed trials and the current ranking; keep the order sorted.

        Returns:
            The numbers whose rows may look different, or None for every row (another ranking).
        """
        previous, self.ranking = self.ranking, ranking
        new, moved = [], set()
        for record in records:
            if record.number not in self.records:
                new.append(record.number)
            else:
                moved.add(record.number)
            self.records[record.number] = record
        ranked_sort = self.sort_column in RANKED
        if ranking is not previous and not ranking.same_basis(previous):
            if ranked_sort:
                self.order.extend(new)
                self.sort()
            else:
                self._place(new, moved)
            return None  # scores and ranks of every row may differ
        if ranking is previous:
            self._place(new, moved)
            return moved | set(new)
        # Same weights and budgets: the scores of other trials stand, and so does their rank order (a
        # new trial only shifts ranks); the front can lose or gain members.
        if self.sort_column == "pareto":
            moved |= previous.front ^ ranking.front
        self._place(new, moved)
        return None if ranking.ranks != previous.ranks else moved | set(new) | (previous.front ^ ranking.front)

    def _place(self, new: list[int], moved: set[int]) -> None:
        if len(new) + len(moved) > MOVE_LIMIT:
            self.order.extend(new)
            self.sort()
            return
        key = self._key_function()
        if moved and self.sort_column != "number":
            for number in moved:
                self.order.remove(number)
                self._insert(number, key)
        for number in sorted(new):
            if not self.sort_reverse and self.order and self.sort_column == "number" and number > self.order[-1]:
                self.order.append(number)  # the usual case: the next trial
                self.moves += 1
            else:
                self._insert(number, key)

    def toggle_mark(self, number: int) -> None:
        self.marked ^= {number}
        if self.sort_column == "mark":
            self.order.remove(number)
            self._insert(number, self._key_function())

    def clear(self) -> None:
        """Forget every row (another study); the sort stays."""
        self.records.clear()
        self.marked.clear()
        self.order.clear()
        self.moves += 1
        self.ranking = EMPTY_RANKING
