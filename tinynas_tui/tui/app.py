"""The tinynas-tui app: the study's trials live, the ranking under your weights, the search space.

The app never runs a trial itself: the engine's study process does, and a thread of the app waits on
it and only posts the events it hands back (`TrialEventArrived`); opening, polling and reading trials
happen in threads too (`StudyOpening`). The handlers here own all state: the trial book, the ranking,
the run state. Study controls, the export flow and the analysis views are mixins beside this module.
"""

from __future__ import annotations

import gc
import traceback
from typing import Any, Callable, Iterable

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.worker import Worker, WorkerState

from tinynas_tui import PROG
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.inert_text import inert, inert_lines
from tinynas_tui.core.events import (
    ConfirmPlanned,
    StorageBusy,
    TrialFailed,
    TrialFinished,
    TrialLost,
    TrialPruned,
    TrialStale,
    TrialStarted,
)
from tinynas_tui.core import figures
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.seed_repeats import DEFAULT_REPEATS
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.training_device import from_trained_on
from tinynas_tui.tui.analysis_views import AnalysisViews
from tinynas_tui.tui.commands import StudyCommands
from tinynas_tui.tui.engine_api import Engine, EngineInfo
from tinynas_tui.tui.eta import TrialClock
from tinynas_tui.tui.export_flow import ExportFlow
from tinynas_tui.tui.front_confirm import FrontConfirming
from tinynas_tui.tui.messages import StudyRunEnded, TrialEventArrived, TrialRead, TrialsPolled
from tinynas_tui.tui.opening import StudyOpening
from tinynas_tui.tui.panes import PaneToggles
from tinynas_tui.tui.run_state import ACTIVE, RunState
from tinynas_tui.tui.screens.error import ErrorScreen
from tinynas_tui.tui.study_controls import StudyControls
from tinynas_tui.tui.table_fit import fit_to_rows
from tinynas_tui.tui.toasts import FewToasts
from tinynas_tui.tui.study_ranking import StudyRanking
from tinynas_tui.tui.study_switcher import StudySwitching
from tinynas_tui.tui.trial_params import ParamsReading
from tinynas_tui.tui.widgets.app_footer import AppFooter
from tinynas_tui.tui.widgets.log_pane import LogPane
from tinynas_tui.tui.widgets.score_spark import ScoreSpark
from tinynas_tui.tui.widgets.side_panel import SidePanel
from tinynas_tui.tui.widgets.status_bar import StatusBar
from tinynas_tui.tui.widgets.trial_detail import TrialDetail
from tinynas_tui.tui.widgets.trial_table import TablePane, TrialTable


class TinyNasApp(StudyOpening, StudySwitching, StudyRanking, StudyControls, FrontConfirming, ExportFlow, ParamsReading,
                 AnalysisViews, PaneToggles, FewToasts, App[None]):
    """The terminal UI of a study.

    Args:
        engine: What opens and runs the study (the real `OptunaEngine`, or a fake in tests).
        trials: Trials to add to the study in this session.
        paused: Open without starting the study.
        weights: Score weights given (they win over those stored with the study); None: the stored ones.
        budgets: Hardware budgets given, as ``weights``.
        confirm_top: ``--confirm K``: each time a run reaches its target, confirm the front's top K
            trials with other seeds (0: only when asked, with ``k``).
        confirm_repeats: ``--confirm-repeats R``: the seed repeats each confirmed trial gets.
    """

    TITLE = PROG
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {StudyCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit",
                tooltip="Quit (asks first while a trial runs)"),
        Binding("f5,r", "start", "Run", id="study.start", tooltip="Start or resume the study"),
        Binding("f6,p", "pause", "Pause", id="study.pause", tooltip="Pause after the current trial"),
        Binding("f8,x", "stop", "Stop", id="study.stop", tooltip="Stop now, ending the running trial (asks)"),
        Binding("f7,plus", "more_trials", "+5", id="study.more", tooltip="Add 5 trials to the target"),
        Binding("f9,e", "export", "Export", id="trials.export",
                tooltip="Export the marked trials (or the highlighted one)"),
        Binding("k", "confirm_front", "Confirm front", show=False, id="study.confirm_front",
                tooltip="Run the front's best trials again with other seeds: their accuracy over the seeds (asks)"),
        Binding("o", "open_study", "Studies", show=False, id="study.open",
                tooltip="Open another study of the storage (every study, its trials and best score)"),
        Binding("ctrl+b", "apply_budgets", "Apply budgets", show=False, id="study.apply_budgets",
                tooltip="Make the weights panel's budgets the study's: new trials over them are skipped"),
        Binding("f4,v", "pareto", "Pareto", id="view.pareto", tooltip="Accuracy against size and latency"),
        Binding("i", "importance", "Importance", show=False, id="view.importance",
                tooltip="Which parameters decide accuracy, size, latency and the score"),
        Binding("c", "compare", "Compare", show=False, id="view.compare",
                tooltip="Compare the two marked trials (or the marked and the highlighted one) side by side"),
        Binding("f3,l", "toggle_log", "Log", id="view.log", tooltip="Show or hide the worker log"),
        Binding("R", "raw_log", "Raw log", show=False, id="view.log_raw",
                tooltip="Worker log: every line as written, or tagged with its trial and the chatter hidden"),
        Binding("f2,b", "toggle_sidebar", "Panel", id="view.sidebar",
                tooltip="Show or hide the search space and weights"),
        Binding("ctrl+t", "focus_table", "Table", show=False, id="view.table", tooltip="Focus the trial table"),
        Binding("f1,question_mark", "show_help_panel", "Help", show=False, id="view.help",
                tooltip="Show every key and what it does (Escape closes it)"),
        Binding("escape", "hide_help_panel", "Close help", show=False, id="view.help_close",
                tooltip="Close the keys panel"),
    ]

    def __init__(self, engine: Engine, trials: int = 5, paused: bool = False,
                 weights: Weights | None = None, budgets: Budgets | None = None, confirm_top: int = 0,
                 confirm_repeats: int = DEFAULT_REPEATS) -> None:
        super().__init__()
        self.engine = engine
        self.requested_trials = trials
        self.start_paused = paused
        self.weights = weights or Weights()
        self.budgets = budgets or Budgets()
        self._weights_given, self._budgets_given = weights is not None, budgets is not None
        self.book = TrialBook()
        self.ranking = self.book.rank(self.weights, self.budgets)
        self.info: EngineInfo | None = None
        self.state = RunState.OPENING
        self.target = 0
        self.quitting = False
        self._pause_requested = False
        self._stop_requested = False
        self._more_pending = False  # trials added as the run ended, too late for it: run them next
        self.confirm_top, self.confirm_repeats = confirm_top, confirm_repeats
        self.confirming = False
        self._clock = TrialClock()
        self._ranked_at = self.book.complete_changes
        self._reading: set[int] = set()  # trials whose full record is being read
        self.trained_on: str | None = None
        """Where this run's latest finished trial trained (short), for a header the options left silent."""
        # The widgets every update touches, kept at hand: a DOM query walks the whole tree.
        self._side = SidePanel(self.weights, self.budgets, id="sidebar")
        self._status = StatusBar(beside=self._side, id="status")
        self._table = TrialTable(id="trials")
        self._status.following = self._table.following
        self._spark = ScoreSpark(id="spark")
        self._detail = TrialDetail(id="detail")
        self.toast_free = self._detail  # toasts leave its first line in view

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._status
        with Horizontal(id="body"):
            yield self._side
            with Vertical(id="main"):
                yield TablePane(self._table, id="table-pane")
                yield self._spark
                yield self._detail
        yield LogPane(id="log")
        yield AppFooter(compact=True)  # every hint whole at 80 columns

    def on_mount(self) -> None:
        self._table.focus()
        # After the first frame: the opening thread's imports (Optuna, SQLAlchemy, NumPy) would share
        # the GIL with drawing it.
        self.call_after_refresh(self._open_engine)

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """As `App.notify`, but plain text by default: notices quote study names and reasons from
        storage, which must never be read as markup nor carry control characters."""
        super().notify(inert_lines(message), title=inert(title), severity=severity, timeout=timeout, markup=markup)

    def on_unmount(self) -> None:
        # However the app ends, no trial may outlive it: end the study thread and the worker process.
        if self.state in ACTIVE:
            self.engine.abort()
        self._flush_ranking()  # weights changed within the last second: kept with the study too
        self.engine.close()
        gc.unfreeze()  # what opening froze (`_finish_opening`) lived as long as the app: collectable again

    # -- threads (they only post messages) ------------------------------------------------------

    def _run_study(self, n_trials: int) -> None:
        self._drive_engine(lambda on_event: self.engine.run(n_trials, on_event))

    @work(thread=True, group="study", exclusive=True, exit_on_error=False)
    def _drive_engine(self, start: Callable[[Callable[[object], None]], None]) -> None:
        """Run ``start`` (an engine call that runs trials, handing each event to its argument) and say
        when it has ended; the events become `TrialEventArrived` messages."""
        failed = True
        try:
            start(lambda event: self.post_message(TrialEventArrived(event)))
            failed = False
        finally:
            self.post_message(StudyRunEnded(failed))

    @work(thread=True, group="poll", exclusive=True, exit_on_error=False)
    def _poll(self) -> None:
        records = self.engine.poll()
        if records:
            self.post_message(TrialsPolled(records))

    @work(thread=True, group="read", exit_on_error=False)
    def _read_trial(self, number: int) -> None:
        record = None
        try:
            record = self.engine.read_trial(number)
        finally:
            self.post_message(TrialRead(number, record))

    # -- messages ------------------------------------------------------------------------------

    def on_trial_event_arrived(self, message: TrialEventArrived) -> None:
        event = message.event
        if isinstance(event, (StorageBusy, TrialStale, TrialLost)):
            self._notify_fault(event)
            return
        if isinstance(event, ConfirmPlanned):
            self._confirm_planned(event)
            return
        number = self.book.apply(event)
        if number is None:
            return
        if isinstance(event, TrialStarted):
            self._clock.started(number)
        elif isinstance(event, (TrialFinished, TrialFailed, TrialPruned)):
            self._clock.finished(number)
            if isinstance(event, TrialFinished):
                self._note_trained_on(event)
        self._rerank((number,))
        self._update_status()

    def _note_trained_on(self, event: TrialFinished) -> None:
        """Where the trial trained, in the header unless the options said it (a polled trial, perhaps
        another process's, never gets here)."""
        trained_on = from_trained_on(event.metrics.get(figures.TRAINED_ON))
        if trained_on:
            self.trained_on = trained_on
            if not (self.info and self.info.trains_on):
                self._status.trains_on = trained_on

    def _notify_fault(self, event: StorageBusy | TrialStale | TrialLost) -> None:
        if isinstance(event, StorageBusy):
            self.notify(f"Storage busy ({event.reason}); retrying in {event.seconds:.1f} s",
                        title="Storage", severity="warning", timeout=max(3.0, event.seconds + 1))
        elif isinstance(event, TrialStale):
            self.notify(f"Trial {event.number} stopped beating (its process died or was stopped): "
                        "failed, its parameters queued again once", title="Stale trial", severity="warning")
        else:
            self.notify(f"Trial {event.number}: result lost. {event.reason}", title="Result lost",
                        severity="error", timeout=15)

    def on_trial_read(self, message: TrialRead) -> None:
        self._reading.discard(message.number)
        if message.record is not None:
            self.on_trials_polled(TrialsPolled([message.record]))

    def on_trials_polled(self, message: TrialsPolled) -> None:
        changed = self.book.merge(message.records)
        if changed:
            self._rerank(changed)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.group in ("study", "poll"):
            error = worker.error
            details = "".join(traceback.format_exception(error)) if error else ""
            if worker.group == "study":
                self._set_state(RunState.STOPPED)
            self.push_screen(ErrorScreen(f"The {worker.group} thread failed", str(error), details))

    def on_trial_table_highlighted(self, event: TrialTable.Highlighted) -> None:
        self._show_detail()

    def on_trial_table_follow_changed(self, event: TrialTable.FollowChanged) -> None:
        self._status.following = event.following

    def on_weights_panel_changed(self, message: Any) -> None:
        self.weights, self.budgets = message.weights, message.budgets
        self._rerank(())
        self._ranking_changed()

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":  # Escape is free for the focused widget unless the panel is shown
            return bool(self.screen.query("HelpPanel"))
        return super().check_action(action, parameters)

    @property
    def table(self) -> TrialTable:
        """The trial table (on the main screen, whichever screen is on top)."""
        return self._table

    # -- helpers -------------------------------------------------------------------------------

    def _finished(self) -> int:
        return self.book.count("complete", "failed", "pruned")

    def _screen_gone(self) -> bool:
        """True while the app shuts down: late messages must not touch removed widgets."""
        return not self._table.is_attached

    def _rerank(self, changed: Iterable[int], ranked: bool = False) -> None:
        """Show the trials ``changed`` (numbers); rank again first if the complete trials or weights changed.

        ``ranked``: the ranking is new although current (made in the opening thread): show it everywhere.
        """
        stale = (self.book.complete_changes != self._ranked_at or self.ranking.weights != self.weights
                 or self.ranking.budgets != self.budgets)
        if stale:
            self.ranking = self.book.rank(self.weights, self.budgets)
            self._ranked_at = self.book.complete_changes
        if self._screen_gone():
            return
        table = self._table
        records = [r for r in map(self.book.get, changed) if r is not None]
        table.update_rows(records, self.ranking)
        fit_to_rows(table)  # the split follows the rows (a layout only while the table grows to its share)
        if stale or ranked:
            reference = self.info.hv_reference if self.info else None
            hv = self.book.hypervolume(reference) if reference is not None else None
            self._spark.show(self.book.complete(), self.ranking, hv)
        highlighted = table.highlighted_number
        # A seed repeat that ends changes what its original's detail says of its seeds.
        if stale or ranked or highlighted in changed or any(self.book.repeats.original(n) == highlighted
                                                            for n in changed):
            self._show_detail()
        self._update_status()

    def _show_detail(self) -> None:
        number = self._table.highlighted_number
        record = self.book.get(number) if number is not None else None
        if record is not None and record.partial and number not in self._reading:
            self._reading.add(number)
            self._read_trial(number)  # a bulk-read trial: its parameters and other figures, in a thread
        order = self.info.space.names if self.info else ()
        typical = self.book.typical_seconds() if record is not None and record.state == "running" else None
        same = tuple(self._table.rows.architectures.same_as(number)) if number is not None else ()
        seeds = self.book.seed_line(number) if number is not None else None
        self._detail.show(record, self.ranking, self.budgets, order, typical, same, seeds)

    def _set_state(self, state: RunState) -> None:
        self.state = state
        self._update_status()

    def _update_status(self) -> None:
        if self._screen_gone():
            return
        status = self._status
        done = self._finished()
        # Trials can end beyond the target (a dead process's trial, failed by a later poll, is one more):
        # the target follows, so the header never reads 12/11.
        self.target = max(self.target, done)
        status.state = self.state
        status.done = done
        status.target = self.target
        status.eta = self._clock.eta(self.target - done)
