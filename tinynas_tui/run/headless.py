"""The headless run: the seed's output lines, a resumable study, a clean Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any, TextIO

from tinynas_tui.core import figures, stored_figures
from tinynas_tui import PROG
from tinynas_tui.core.boards import HOST_LATENCY
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.events import EpochEnded, StageStarted, TrialLost, TrialStale
from tinynas_tui.core.grid import grid_size_note
from tinynas_tui.core.hypervolume import Reference
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.run.confirm import confirm_front
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.run.setup import OpenRun, quiet_libraries, start_run
from tinynas_tui.search.storage import scrub
from tinynas_tui.search.study import complete_count, grid_remaining, stored_sampler

RULE = "=" * 60


def trial_line(number: int, accuracy: float, size_kb: float, latency_ms: float) -> str:
    """The seed's per-trial line: ``Trial  0: acc=0.9240, size=  15.2KB, latency= 2.45ms``."""
    return f"Trial {number:2d}: acc={accuracy:.4f}, size={size_kb:6.1f}KB, latency={latency_ms:5.2f}ms"


def failed_line(number: int, stage: str, reason: str) -> str:
    return f"Trial {number:2d}: FAIL at {inert(stage)}: {inert(reason)}"


def pruned_line(number: int, stage: str, reason: str) -> str:
    return f"Trial {number:2d}: PRUNED at {inert(stage)}: {inert(reason)}"


def format_value(value: Any) -> str:
    """A parameter's value on one line (a stored choice may hold any text)."""
    return f"{value:.6g}" if isinstance(value, float) else inert(value)


def best_block(study: Any, param_order: tuple[str, ...], weights: Weights, top: int,
               budgets: Budgets | None = None, reference: Reference | None = None) -> str:
    """The seed's closing block: the best complete trials by weighted score, with their parameters, and
    with a reference, the study's hypervolume last.

    With budgets, trials that fit come first (as in the UI); one over a budget says so. A trial with seed
    repeats gives its accuracy over its seeds; the repeats themselves are not ranked.
    """
    lines = [RULE, "BEST TRIALS (sorted by weighted score)", RULE, ""]
    book = TrialBook.of_frozen(study.get_trials(deepcopy=False))
    ranking = book.rank(weights, budgets)
    ordered = sorted(ranking.ranks, key=ranking.ranks.__getitem__)[:top]
    figure = "" if reference is None else f"\n\n{hypervolume_line(book.hypervolume(reference).current, reference)}"
    if not ordered:
        lines.append("(no complete trials yet)")
        return "\n".join(lines) + figure
    for place, number in enumerate(ordered, start=1):
        record = book.get(number)
        params = record.params
        lines.append(f"#{place}: acc={record.accuracy:.4f}, size={record.size_kb:.1f}KB, "
                     f"latency={record.latency_ms:.2f}ms")
        over = "" if number in ranking.feasible else "  (over budget)"
        lines.append(f"Trial: {number}, score: {ranking.scores[number]:.2f}{over}")
        if (seeds := book.seed_spread(number)) is not None:
            lines.append(seeds.line)
        lines.append("Parameters:")
        names = [n for n in param_order if n in params] + [n for n in params if n not in param_order]
        lines.extend(f"  {n}: {format_value(params[n])}" for n in names)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + figure


def hypervolume_line(value: float, reference: Reference) -> str:
    """``Hypervolume: 0.6234 (reference: size 256 KiB, latency 100 ms, from the budgets)``."""
    return f"Hypervolume: {value:.4f} (reference: {inert(reference.text)})"


class ProgressLine:
    """One rewritten line on a terminal's stderr: ``trial 7 · distill · epoch 3/10``.

    Only when stderr is a terminal: pipes and log files get the seed's lines and nothing else.
    """

    def __init__(self, stream: TextIO) -> None:
        # The line's own erase sequence must reach the terminal: past an `InertStream`, to the stream below.
        self.stream = getattr(stream, "raw", stream)
        self.enabled = stream.isatty()
        self.shown = False

    def __call__(self, event: object) -> None:
        if not self.enabled:
            return
        text = None
        if isinstance(event, StageStarted):
            text = f"trial {event.number} · {event.stage}"
        elif isinstance(event, EpochEnded):
            text = f"trial {event.number} · {event.stage} · epoch {event.epoch}/{event.epochs}"
        if text:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def storage_wait_line(reason: str, seconds: float) -> str:
    return f"{PROG}: storage busy ({reason}); retrying in {seconds:.1f} s"


def run_headless(options: RunOptions, trials: int | None, top: int = 5, out: TextIO | None = None,
                 join_existing: bool = False) -> int:
    """Run ``trials`` more trials of the study (None: until stopped); return the process exit code.

    Args:
        options: What the user asked for.
        trials: How many trials this process runs; None runs until interrupted (or a grid is used up).
        top: Best trials to print at the end.
        out: Where the trial lines go (default stdout).
        join_existing: Work on a study some other process created (``tinynas-tui worker``): it must exist.
    """
    from tinynas_tui.executor.trial_executor import WorkerStartError
    from tinynas_tui.search.storage import failure_line

    out = out or sys.stdout
    validated = validate(options)  # raises UsageError before anything is written
    quiet_libraries(options.verbose)

    def on_retry(reason: str, seconds: float) -> None:
        print(storage_wait_line(reason, seconds), file=sys.stderr, flush=True)

    progress = ProgressLine(sys.stderr)
    # With --jobs, trials end on several threads: each line is written whole, under one lock.
    output_lock = threading.Lock()
    output_closed = threading.Event()

    def say(line: str) -> None:
        with output_lock:
            if output_closed.is_set():
                return
            try:
                progress.clear()
                out.write(line + "\n")
                out.flush()
            except BrokenPipeError:
                # The reader went away (`| head -3`): stop as if interrupted; running trials end now.
                output_closed.set()
                started.loop.stop_requested.set()
                for executor in started.loop.executors:
                    executor.abort("the output was closed")

    def on_event(event: object) -> None:
        if isinstance(event, TrialStale):
            say(f"Trial {event.number:2d}: FAIL: its process stopped beating (died or was stopped); "
                "its parameters are queued again once")
        elif isinstance(event, TrialLost):
            say(f"Trial {event.number:2d}: result LOST: {inert(event.reason)}")
        else:
            with output_lock:
                progress(event)

    def on_recorded(trial: Any) -> None:
        attrs = stored_figures.of_trial(trial)
        if trial.values is not None:
            line = trial_line(trial.number, *trial.values)
        elif trial.state.name == "PRUNED":
            line = pruned_line(trial.number, attrs.get(figures.PRUNE_STAGE, "?"), attrs.get(figures.PRUNE_REASON, ""))
        else:
            line = failed_line(trial.number, attrs.get(figures.FAIL_STAGE, "?"), attrs.get(figures.FAIL_REASON, "unknown"))
        say(line)

    with StopOnSignal() as signals:
        try:
            started = start_run(validated, on_retry=on_retry, join_existing=join_existing, on_event=on_event,
                                on_recorded=on_recorded)
        except KeyboardInterrupt:
            print(f"Interrupted while opening the study in {validated.target.display}; no trial was started",
                  file=out, flush=True)
            return 130
        signals.storage = started.run.storage
        run, loop = started.run, started.loop
        code = 0
        try:
            _print_header(run, trials, out)
            loop.run(sys.maxsize if trials is None else trials)
            if not loop.stop_requested.is_set():
                confirm_front(run, loop, options.confirm, options.confirm_repeats, lambda line, _: say(line))
        except KeyboardInterrupt:
            progress.clear()
            code = 130
            print(_interrupted_line(run, loop), file=out, flush=True)
        except WorkerStartError as err:
            print(f"{PROG}: {err}", file=sys.stderr, flush=True)
            return 1
        except Exception as err:
            line = failure_line(err)
            if line is None:
                raise
            progress.clear()
            print(f"{PROG}: the storage failed: {scrub(line, run.validated.target.url)}"
                  f"{_left_running(run, loop, '; ')}", file=sys.stderr, flush=True)
            return 1
        finally:
            started.close()
    if loop.left_running:
        return code  # the storage took no write just now: no closing block read from it
    if output_closed.is_set():
        raise BrokenPipeError("the output was closed")  # `cli.main` ends quietly
    print("", file=out)
    try:
        print(best_block(run.study, run.definition.space.names, validated.weights, top, run.budgets,
                         run.reference), file=out, flush=True)
    except Exception as err:
        if (line := failure_line(err)) is None:
            raise
        print(f"{PROG}: cannot read the best trials: {scrub(line, run.validated.target.url)}", file=sys.stderr)
    return code


class StopOnSignal:
    """While in effect, SIGTERM and SIGINT stop the run (KeyboardInterrupt in the main thread) and end every
    wait for the storage once it is open (`storage`), so a run stops at once even while a locked or
    unreachable storage is being waited for; the previous handlers come back at the end."""

    def __init__(self) -> None:
        self.storage: Any = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopOnSignal:
        self._previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: Any) -> None:
        interrupt = getattr(self.storage, "interrupt", None)
        if interrupt is not None:
            interrupt()  # a wait in progress ends now, and nothing more is waited for
        raise KeyboardInterrupt


def latency_basis(run: OpenRun) -> str:
    """e.g. ``latency estimated for m4-1m (Cortex-M4, 64 MHz)``, or why it is the host CPU's."""
    board = run.latency
    if board is not None:
        return f"latency estimated for {board.summary}"
    why = ("the pipeline does not quantize to int8" if run.definition.pipeline.get("quantization") != "int8"
           else "the study predates board latency")
    return f"latency measured on this {HOST_LATENCY} ({why})"


def _print_header(run: OpenRun, trials: int | None, out: TextIO) -> None:
    """``Study NAME in STORAGE: new; running 5 more``, then the grid and the budgets when there are any."""
    before = len(run.study.get_trials(deepcopy=False))
    what = "until stopped" if trials is None else f"{trials} more"
    print(f"Study {inert(run.study_name)} in {inert(run.validated.target.display)}: "
          f"{'new' if run.created else f'{before} trials so far'}; running {what}; {latency_basis(run)}",
          file=out, flush=True)
    if stored_sampler(run.study) == "grid":
        print(f"Grid: {grid_size_note(run.definition.space)}; {grid_remaining(run.study)} still to run",
              file=out, flush=True)
    if run.definition.budgets:
        limits = ", ".join(f"{k} {v:g}" for k, v in run.definition.budgets.items())
        print(f"Budgets: {limits} (a model that cannot fit is pruned before training)", file=out, flush=True)


def _left_running(run: OpenRun, loop: Any, lead: str) -> str:
    """``trial 3 left RUNNING (...)`` for each trial the storage would not let this run mark FAIL."""
    if not loop.left_running:
        return ""
    url = run.validated.target.url
    trials = "; ".join(f"trial {number} left RUNNING (the storage would not take its FAIL: {scrub(why, url)})"
                       for number, why in loop.left_running)
    return (f"{lead}{trials}; a run started on this machine fails it at once, one elsewhere after the heartbeat "
            "grace")


def _interrupted_line(run: OpenRun, loop: Any) -> str:
    from tinynas_tui.search.storage import failure_line

    where = inert(run.validated.target.display)
    if loop.left_running:
        return f"Interrupted: {_left_running(run, loop, '')}; complete trials are kept in {where}"
    try:
        last = trials[-1] if (trials := run.study.get_trials(deepcopy=False)) else None
        done = complete_count(run.study)
    except Exception as err:
        if failure_line(err) is None:
            raise
        return f"Interrupted; complete trials are kept in {where}"
    marked = f"trial {last.number} marked FAIL (interrupted); " if last and last.values is None else ""
    return f"Interrupted: {marked}{done} complete trials kept in {where}"


__all__ = ["run_headless", "trial_line", "best_block"]
