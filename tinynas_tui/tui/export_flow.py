"""The export flow of the app: the dialog, a plan in a thread, a question before overwriting, the write.

A mixin of `TinyNasApp` (it uses the app's engine, weights, budgets, table and screens).
"""

from __future__ import annotations

from typing import Any

from textual import work

from tinynas_tui.tui.messages import ExportFailed, ExportPlanned, ExportWritten
from tinynas_tui.tui.screens.confirm import ConfirmScreen


class ExportFlow:
    """F9: export the marked trials (or the highlighted one)."""

    engine: Any
    info: Any
    weights: Any
    budgets: Any
    _table: Any

    @work(thread=True, group="export", exclusive=True, exit_on_error=False)
    def _plan_export(self, numbers: tuple[int, ...], folder: str, formats: tuple[str, ...]) -> None:
        try:
            # The weights and budgets the table ranks by now: the export states what the table showed.
            plan = self.engine.plan_export(numbers, folder, formats, self.weights, self.budgets)
        except Exception as err:  # a bad folder or format: say so, keep going
            self.post_message(ExportFailed(str(err)))
            return
        self.post_message(ExportPlanned(plan, folder))

    @work(thread=True, group="export", exclusive=True, exit_on_error=False)
    def _write_export(self, plan: Any, folder: str, force: bool) -> None:
        try:
            written = self.engine.write_export(plan, force=force)
        except Exception as err:
            self.post_message(ExportFailed(str(err)))
            return
        self.post_message(ExportWritten([str(p) for p in written], [str(s) for s in plan.skipped], folder))

    def on_export_planned(self, message: ExportPlanned) -> None:
        conflicts = list(message.plan.conflicts)
        if not conflicts:
            self._write_export(message.plan, message.folder, False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._write_export(message.plan, message.folder, True)
            else:
                self.notify("Export cancelled; nothing was written.")

        shown = ", ".join(str(c) for c in conflicts[:3]) + (" …" if len(conflicts) > 3 else "")
        self.push_screen(ConfirmScreen("Overwrite files?", f"{len(conflicts)} file(s) in {message.folder} exist "
                                       f"already: {shown}. Overwrite them?", yes="Overwrite"), answered)

    def on_export_written(self, message: ExportWritten) -> None:
        text = f"Wrote {len(message.written)} file(s) to {message.folder}."
        if message.skipped:
            text += " Skipped: " + "; ".join(message.skipped)
        self.notify(text, title="Export", severity="warning" if message.skipped else "information", timeout=8)

    def on_export_failed(self, message: ExportFailed) -> None:
        self.notify(message.reason, title="Export failed", severity="error", timeout=8)

    def action_export(self) -> None:
        from tinynas_tui.core.export_formats import producible_formats
        from tinynas_tui.tui.screens.export_screen import ExportScreen

        table = self._table
        numbers = tuple(sorted(table.marked)) or (
            (table.highlighted_number,) if table.highlighted_number is not None else ())
        if not numbers:
            self.notify("No trial to export: mark trials with space.", severity="warning")
            return

        def chosen(request: Any) -> None:
            if request is not None:
                self._plan_export(request.numbers, request.folder, request.formats)

        keeps_keras = self.info is None or self.info.pipeline.keep_keras
        self.push_screen(ExportScreen(numbers, chosen=producible_formats(keeps_keras)), chosen)
