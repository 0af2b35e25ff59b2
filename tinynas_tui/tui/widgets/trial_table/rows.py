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
from tinynas_tui.core.architecture import ArchitectureGroups
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.trial_filter import TrialFilter

from tinynas_tui.tui.widgets.trial_table.columns import (  # noqa: F401  (the names the table and tests use)
    ARCH_STYLE,
    ASCENDING,
    COLUMNS,
    DESCENDING,
    FRONT_STYLE,
    MARK_STYLE,
    MOVE_LIMIT,
    ORDER_WORDS,
    RANKED,
    SORTABLE,
    STATE_STYLES,
    Cell,
    human_count,
    latency_header,
    latency_text,
    num_cell,
    order_words,
)

EMPTY_RANKING = Ranking({}, {}, frozenset(), frozenset())


class TrialRows:
    """Trials shown by the table, in display order; rows are keyed by trial number.

    ``records`` holds every trial; ``order`` (and ``shown``) only those the filter lets through.
    """

    def __init__(self) -> None:
        self.records: dict[int, TrialRecord] = {}
        self.filter = TrialFilter()
        self.shown: set[int] = set()
        """The trials in ``order``: those the filter lets through."""
        self.architectures = ArchitectureGroups()
        self._newest_shown: int | None = None  # -1: unknown (the newest row was filtered out)
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
        if column == "arch":
            return self.architectures.label
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
            num_cell(r.accuracy, ".4f"),
            num_cell(r.size_kb, ".1f"),
            (latency_text(r.latency_ms), "", True),
            num_cell(score, ".2f"),
            ("—" if rank is None else str(rank) + ("" if feasible else "✗"), "", True),
            ("★" if number in ranking.front else " ", FRONT_STYLE, False),
            num_cell(r.attrs.get(figures.FLOAT_ACCURACY), ".4f"),
            num_cell(r.arena_kb, ".1f"),
            (human_count(macs) if macs is not None else "—", "", True),
            ("" if (same := self.architectures.label(number)) is None else f"≡{same}", ARCH_STYLE, False),
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
            self.order = sorted(self.shown, reverse=self.sort_reverse)
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
        """Take new or changed trials and the current ranking; keep the order sorted and filtered.

        Returns:
            The numbers whose rows may look different, or None for every row (another ranking).
        """
        previous, self.ranking = self.ranking, ranking
        flt = self.filter
        filtering = flt.active
        new, moved, gone = [], set(), []
        relabeled: set[int] = set()
        architectures, shown = self.architectures, self.shown
        for record in records:
            number = record.number
            self.records[number] = record
            if record.params and number not in architectures:
                relabeled |= architectures.add(number, record.params)
            if number in shown:
                if filtering and not flt.matches(record, ranking):
                    gone.append(number)
                else:
                    moved.add(number)
            elif not filtering or flt.matches(record, ranking):
                new.append(number)
        another_basis = ranking is not previous and not ranking.same_basis(previous)
        if filtering and flt.uses_ranking and ranking is not previous:
            if another_basis:
                self._refilter()  # budgets or the front of every trial may differ
                return None
            for number in (previous.front ^ ranking.front) - moved - set(gone) - set(new):
                record = self.records.get(number)
                if record is not None and flt.matches(record, ranking) != (number in shown):
                    (gone.append if number in shown else new.append)(number)
        self._drop(gone)
        if self.sort_column == "arch":
            moved |= relabeled & shown
        ranked_sort = self.sort_column in RANKED
        if another_basis:
            if ranked_sort:
                self._show(new)
                self.order.extend(new)
                self.sort()
            else:
                self._place(new, moved)
            return None  # scores and ranks of every row may differ
        if ranking is previous:
            self._place(new, moved)
            return moved | set(new) | relabeled
        # Same weights and budgets: the scores of other trials stand, and so does their rank order (a
        # new trial only shifts ranks); the front can lose or gain members.
        if self.sort_column == "pareto":
            moved |= (previous.front ^ ranking.front) & shown
        self._place(new, moved)
        if ranking.ranks != previous.ranks:
            return None
        return moved | set(new) | (previous.front ^ ranking.front) | relabeled

    # -- the filter --------------------------------------------------------------------------------

    def set_filter(self, flt: TrialFilter) -> None:
        """Show only the trials ``flt`` lets through (every trial: the empty filter)."""
        self.filter = flt
        self._refilter()

    def _refilter(self) -> None:
        flt, ranking = self.filter, self.ranking
        if flt.active:
            self.shown = {n for n, r in self.records.items() if flt.matches(r, ranking)}
        else:
            self.shown = set(self.records)
        self._newest_shown = max(self.shown, default=None)
        self.order = list(self.shown)
        self.sort()

    @property
    def newest_shown(self) -> int | None:
        """The highest trial number the table shows."""
        if self._newest_shown == -1:
            self._newest_shown = max(self.shown, default=None)
        return self._newest_shown

    def _show(self, new: list[int]) -> None:
        self.shown.update(new)
        if new and self._newest_shown != -1 and (self._newest_shown is None or max(new) > self._newest_shown):
            self._newest_shown = max(new)

    def _drop(self, gone: list[int]) -> None:
        """Take rows that stopped matching the filter out of the order."""
        if not gone:
            return
        self.moves += 1
        self.shown.difference_update(gone)
        if self._newest_shown in gone:
            self._newest_shown = -1
        if len(gone) > MOVE_LIMIT:
            shown = self.shown
            self.order = [n for n in self.order if n in shown]
            return
        for number in gone:
            self.order.remove(number)

    @property
    def marked_hidden(self) -> int:
        """Marked trials the filter hides (they stay marked, and are exported)."""
        return len(self.marked - self.shown) if self.filter.active else 0

    def _place(self, new: list[int], moved: set[int]) -> None:
        self._show(new)
        if len(new) + len(moved) > MOVE_LIMIT:
            self.order.extend(new)
            self.sort()
            return
        key = self._key_function()
        if moved and self.sort_column != "number":
            for number in moved:  # all out first: the rest stays sorted for the binary searches
                self.order.remove(number)
            for number in moved:
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
        self.shown.clear()
        self.architectures.clear()
        self._newest_shown = None
        self.moves += 1
        self.ranking = EMPTY_RANKING
