"""The trial worker marks each trial's start and end in its log, so the UI can tag the lines between."""

from __future__ import annotations

from tinynas_tui.core.log_marks import ended_mark, read_mark, started_mark
from tinynas_tui.executor.protocol import WorkerConfig
from tinynas_tui.executor.trial_executor import ProcessTrialExecutor


def test_each_trial_is_marked_in_the_worker_log_in_order(tmp_path):
    log = tmp_path / "w.log"
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=str(log))
    with ProcessTrialExecutor(config) as ex:
        ex.run(0, {}, lambda e: None)
        ex.run(1, {}, lambda e: None)
    marks = [line for line in log.read_text().splitlines() if read_mark(line)]
    assert marks == [started_mark(0), ended_mark(0), started_mark(1), ended_mark(1)]


def test_no_marks_when_the_output_goes_to_the_terminal(tmp_path, capfd):
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=None)
    with ProcessTrialExecutor(config) as ex:
        ex.run(0, {}, lambda e: None)
    assert "⟦trial" not in capfd.readouterr().out
