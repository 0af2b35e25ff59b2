"""Opening a study, and switching to a new one: the app's opening flow.

A mixin of `TinyNasApp` (it uses the app's engine, book, widgets and state). The engine opens in a
thread started after the first frame, so that frame never waits for storage; the opened study's trials
are merged and ranked in that thread too, and the side panel is built once the table is painted.
"""

from __future__ import annotations

import gc
import traceback
from typing import Any

from textual import work

from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.errors import UsageError
from tinynas_tui.tui.engine_api import EngineInfo
from tinynas_tui.tui.messages import EngineFailed, EngineOpened
from tinynas_tui.tui.run_state import ACTIVE, RunState
from tinynas_tui.tui.screens.confirm import ConfirmScreen
from tinynas_tui.tui.screens.error import ErrorScreen
from tinynas_tui.tui.widgets.log_pane import LogPane

POLL_INTERVAL_S = 3.0
SETTLE_S = 0.1  # no layout for this long: the screen has settled after opening


class StudyOpening:
    """Open the study (after the first frame), start it once the screen settles; F2's space editor
    starts a new study."""

    engine: Any
    book: TrialBook
    info: EngineInfo | None
    state: RunState
    trained_on: str | None
    _opening_note: str | None = None
    """What to say once the study being opened is shown (the switcher's words); None: a new study."""

    @work(thread=True, group="engine", exit_on_error=False)
    def _open_engine(self) -> None:
        try:
            info, records = self.engine.open()
        except Exception as err:
            self.post_message(EngineFailed("Cannot open the study", err, traceback.format_exc()))
            return
        self.post_message(self._opened(info, records))

    def _opened(self, info: Any, records: list[Any], fresh: bool = False) -> EngineOpened:
        """The opened study's trials merged into a new book and ranked, here in the opening thread."""
        book = TrialBook()
        book.merge(records)
        if getattr(info, "hv_reference", None) is not None:
            book.hypervolume(info.hv_reference)  # its history, here off the event loop; kept as trials complete
        weights, budgets = self._basis_for(info, fresh)  # stored with the study, unless given (StudyRanking)
        return EngineOpened(info, records, fresh=fresh, book=book, ranking=book.rank(weights, budgets))

    @work(thread=True, group="engine", exit_on_error=False)
    def _switch_study(self, space: Any, pipeline: Any) -> None:
        try:
            info, records = self.engine.new_study(space, pipeline)
        except Exception as err:
            self.post_message(EngineFailed("Cannot start a new study", err, traceback.format_exc()))
            return
        self.post_message(self._opened(info, records, fresh=True))

    def on_engine_opened(self, message: EngineOpened) -> None:
        info: EngineInfo = message.info  # type: ignore[assignment]
        self.info = info
        # What this study is ranked by (the opening thread ranked by the same); the panel is told below.
        self.weights, self.budgets = self._basis_for(info, message.fresh)
        self._side.weights, self._side.budgets = self.weights, self.budgets
        if message.fresh:
            self._table.reset()  # another study: a new table, not an update
        if message.book is not None and (message.fresh or len(self.book) == 0):
            # Built and ranked in the opening thread; no event can have reached this study's book yet.
            self.book, self.ranking = message.book, message.ranking
            self._ranked_at = self.book.complete_changes
            changed = [r.number for r in message.records]
        else:
            if message.fresh:
                self.book, self._ranked_at = TrialBook(), -1
            changed = self.book.merge(message.records)
        self.target = self._finished() + self.requested_trials
        status = self._status
        status.study, status.dataset, status.sampler, status.storage = (
            info.study_name, info.dataset, info.sampler, info.storage)
        status.board = info.board.name if info.board else "host CPU"
        status.trains_on = info.trains_on or self.trained_on or ""  # this run's workers, whichever study
        self._table.set_latency_board(info.board.name if info.board else None)
        self._rerank(changed, ranked=True)
        self.query_one(LogPane).follow(info.log_path)
        # The table is what the user waits for: paint it, then build the side panel (~0.2 s).
        self.call_after_refresh(self._finish_opening, message)

    async def _finish_opening(self, message: EngineOpened) -> None:
        info: EngineInfo = message.info  # type: ignore[assignment]
        await self._side.show_study(info.space, info.pipeline)
        self._show_ranking()
        # A study's records and the widgets live as long as the app: keep them out of the cyclic
        # collector's full passes (with 50,000 trials each one stalled the event loop ~0.2 s).
        gc.freeze()
        if not message.fresh:
            self.set_interval(POLL_INTERVAL_S, self._poll)
        self._set_state(RunState.PAUSED)
        if message.fresh:
            note, self._opening_note = self._opening_note, None
            self.notify(note or f"New study {info.study_name}: press F5 to run it.")
        elif not self.start_paused:
            self._start_after_layout()

    def _start_after_layout(self) -> None:
        """Start the study once the new side panel is laid out: 0.1 s after the last layout it caused, or
        after a second at most.

        The panel's widgets are laid out in several passes as they mount (~0.1-0.3 s in all); those
        belong to opening, not to the first trial's live updates.
        """
        signal = self.screen.screen_layout_refresh_signal
        started = False

        def start() -> None:
            nonlocal started
            if not started:
                started = True
                signal.unsubscribe(self._side)
                self.action_start()

        settled = self.set_timer(SETTLE_S, start)

        def laid_out(_: Any) -> None:
            settled.reset()

        signal.subscribe(self._side, laid_out)
        self.set_timer(1.0, start)

    def on_engine_failed(self, message: EngineFailed) -> None:
        # A study that would not open (another, from the switcher) leaves the one open as it was: idle.
        self._set_state(RunState.FAILED if self.info is None else
                        RunState.PAUSED if self.state == RunState.OPENING else self.state)
        # A refused option or definition is the user's to fix, said in its one line: no traceback.
        details = "" if isinstance(message.error, UsageError) else message.details
        self.push_screen(ErrorScreen(message.title, str(message.error), details))

    def on_space_editor_applied(self, message: Any) -> None:
        if self.state in ACTIVE:
            self.notify("Pause the study before changing its space.", severity="warning")
            return
        if len(self.book) == 0:
            self._switch_study(message.space, message.pipeline)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._switch_study(message.space, message.pipeline)

        name = self.info.study_name if self.info else "this study"
        self.push_screen(ConfirmScreen(
            "Start a new study?",
            f"An Optuna study keeps one search space. Start a new study with the edited space? "
            f"{name} keeps its {len(self.book)} trials and stays resumable.",
            yes="New study"), answered)
