"""Reading the parameters a summary open left out, for the table's filter and same-architecture marks.

A mixin of `TinyNasApp`. The open reads trials in summary (no parameters: ~1 s less for 50,000 trials);
a small study's parameters are read right after, in a thread; a big study's only when a filter on
parameters needs them.
"""

from __future__ import annotations

from typing import Any

from textual import work

from tinynas_tui.tui.messages import ParamsRead
from tinynas_tui.tui.widgets.trial_table import TrialTable

READ_AT_ONCE = 5000
"""Up to this many trials without parameters, they are read as soon as the table has them (~0.1 s)."""


class ParamsReading:
    """Read every trial's parameters once per study, in a thread, when the table wants them."""

    engine: Any
    book: Any
    _params_reading: bool = False

    def on_trial_table_params_wanted(self, event: TrialTable.ParamsWanted) -> None:
        if self._params_reading or not (event.needed or event.missing <= READ_AT_ONCE):
            return
        self._params_reading = True
        if event.needed:
            self.notify(f"Reading the parameters of {event.missing:,} trials…", timeout=3)  # type: ignore[attr-defined]
        self._read_params()

    @work(thread=True, group="params", exit_on_error=False)
    def _read_params(self) -> None:
        params: dict[int, dict] = {}
        try:
            params = self.engine.read_params()
        finally:
            self.post_message(ParamsRead(params))  # type: ignore[attr-defined]

    def on_params_read(self, message: ParamsRead) -> None:
        self._params_reading = False
        changed = self.book.add_params(message.params)
        if changed:
            self._rerank(changed)  # type: ignore[attr-defined]
