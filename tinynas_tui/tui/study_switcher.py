"""Opening another study of the storage (the study switcher, ``o``): the app's switching flow.

A mixin of `TinyNasApp`. The list is read in the switcher's thread; the chosen study is opened in the
engine's thread and shown as a study just opened (`StudyOpening._opened`, ``fresh``). The study left
stays as it is in the storage, resumable; only an idle one is left (pause a running one first).
"""

from __future__ import annotations

import traceback
from typing import Any

from textual import work

from tinynas_tui.tui.messages import EngineFailed
from tinynas_tui.tui.run_state import ACTIVE, RunState


class StudySwitching:
    """``o``: list every study of the storage; Enter opens the highlighted one."""

    engine: Any
    info: Any
    state: RunState
    weights: Any

    def action_open_study(self) -> None:
        from tinynas_tui.tui.screens.studies_screen import StudiesScreen

        if self.info is None:
            self.notify("The study is still opening.", severity="warning")
            return
        weights = self.weights

        def chosen(name: str | None) -> None:
            if name is None or self.info is None or name == self.info.study_name:
                return
            if self.state in ACTIVE:
                self.notify("Pause the study before opening another one (F6), then press o again.",
                            severity="warning")
                return
            self._opening_note = f"Opened study {name}: press F5 to run it."
            self._set_state(RunState.OPENING)
            self._open_other(name, self._pending_ranking())

        self.push_screen(StudiesScreen(lambda: self.engine.list_studies(weights), self.info.study_name,
                                       weights.as_text()), chosen)

    @work(thread=True, group="engine", exit_on_error=False)
    def _open_other(self, name: str, pending: Any) -> None:
        try:
            if pending is not None:  # the study left keeps the weights last set for it
                self.engine.save_ranking(*pending)
            info, records = self.engine.open_study(name)
        except Exception as err:
            self.post_message(EngineFailed(f"Cannot open study {name}", err, traceback.format_exc()))
            return
        self.post_message(self._opened(info, records, fresh=True))
