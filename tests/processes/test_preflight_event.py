"""The pre-flight figures cross the worker's pipe as an event, before the trial's outcome."""

from __future__ import annotations

import io

from tinynas_tui.core.events import PreflightMeasured, TrialFinished
from tinynas_tui.executor.protocol import WorkerConfig
from tinynas_tui.executor.trial_executor import ProcessTrialExecutor
from tinynas_tui.run.headless import ProgressLine


def test_preflight_measured_reaches_the_parent_before_the_outcome(tmp_path):
    events = []
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=str(tmp_path / "w.log"))
    with ProcessTrialExecutor(config) as ex:
        outcome = ex.run(4, {"x": 2}, events.append)
    assert isinstance(outcome, TrialFinished)
    measured = [e for e in events if isinstance(e, PreflightMeasured)]
    assert measured == [PreflightMeasured(4, {"params": 1004, "macs": 5000})]


def test_the_headless_progress_line_ignores_it():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    line = ProgressLine(stream)
    line(PreflightMeasured(1, {"params": 10}))
    assert stream.getvalue() == "" and not line.shown
