"""The app's analysis views: the Pareto front, parameter importance and two trials side by side (a mixin
of the app).

Importance and compare open from the main screen only: their keys would otherwise open a second view
over the first (the Pareto view takes its own keys).
"""

from __future__ import annotations

from typing import Any


class AnalysisViews:
    """``action_pareto``, ``action_importance`` and ``action_compare`` for `TinyNasApp`."""

    def _on_main_screen(self: Any) -> bool:
        return len(self.screen_stack) == 1

    def action_pareto(self: Any) -> None:
        from tinynas_tui.tui.screens.pareto_screen import ParetoScreen

        table = self.table

        def chosen(number: int | None) -> None:
            if number is not None:
                table.move_to(number)

        board = self.info.board.name if self.info and self.info.board else None
        self.push_screen(ParetoScreen(self.book.ordered(), self.ranking.front, table.highlighted_number, board,
                                      self.book.seed_spreads()), chosen)

    def action_importance(self: Any) -> None:
        from tinynas_tui.tui.screens.importance_screen import ImportanceScreen

        if not self._on_main_screen():
            return
        if self.info is None:  # the engine has no study yet (opening, or it failed to open)
            self.notify("The study is not open yet", title="Importance", severity="warning")
            return
        self.push_screen(ImportanceScreen(self.engine, self.weights))

    def action_compare(self: Any) -> None:
        from tinynas_tui.tui.screens.compare_rows import pick_pair
        from tinynas_tui.tui.screens.compare_screen import CompareScreen

        if not self._on_main_screen():
            return
        pair = pick_pair(self.table.marked, self.table.highlighted_number)
        records = None if isinstance(pair, str) else [self.book.get(n) for n in pair]
        if records is None or None in records:
            self.notify(pair if isinstance(pair, str) else "A trial to compare is gone", title="Compare",
                        severity="warning")
            return
        order = self.info.space.names if self.info else ()
        self.push_screen(CompareScreen(tuple(records), self.ranking, self.budgets, order, self.engine))
