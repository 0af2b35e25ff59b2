"""The loop gives each trial of a screening study what earlier screens measured, and only then."""

from __future__ import annotations

import optuna

from tinynas_tui.core import figures
from tinynas_tui.core.events import TrialFinished, TrialPruned
from tinynas_tui.core.space import BLOCKS
from tinynas_tui.search.loop import TrialLoop
from tinynas_tui.search.screen_peers import screen_peers

optuna.logging.set_verbosity(optuna.logging.ERROR)


class RecordingExecutor:
    """Ends odd trials PRUNED at the screen and even ones COMPLETE, each with a screen point of its number."""

    def __init__(self):
        self.peers_seen = []

    def run(self, number, params, on_event, **extra):
        self.peers_seen.append(extra.get("screen_peers"))
        metrics = {figures.SCREEN_POINT: [number / 10, 10.0 + number, 1.0]}
        if number % 2:
            return TrialPruned(number, "screen", "dominated", metrics)
        return TrialFinished(number, accuracy=0.5, size_kb=10.0, latency_ms=1.0, metrics=metrics, artifacts={})


def run_loop(screen, n=4):
    study = optuna.create_study(directions=["maximize", "minimize", "minimize"])
    executor = RecordingExecutor()
    TrialLoop(study, BLOCKS, executor, artifact_store=None, screen=screen).run(n)
    return study, executor


def test_each_trial_gets_every_earlier_screen_point_pruned_or_complete():
    study, executor = run_loop(screen=True)
    assert executor.peers_seen == [(), ((0.0, 10.0, 1.0),), ((0.0, 10.0, 1.0), (0.1, 11.0, 1.0)),
                                   ((0.0, 10.0, 1.0), (0.1, 11.0, 1.0), (0.2, 12.0, 1.0))]
    assert [t.state.name for t in study.trials] == ["COMPLETE", "PRUNED", "COMPLETE", "PRUNED"]
    assert len(screen_peers(study)) == 4


def test_a_study_that_does_not_screen_passes_nothing():
    _, executor = run_loop(screen=False, n=2)
    assert executor.peers_seen == [None, None]


def test_malformed_points_are_skipped():
    study = optuna.create_study(directions=["maximize", "minimize", "minimize"])
    for point in ([0.5, 1.0], "x", [0.5, float("nan"), 1.0], [0.5, True, 1.0], [0.9, 2.0, 3.0]):
        trial = study.ask()
        trial.set_user_attr(figures.SCREEN_POINT, point)
        study.tell(trial, (0.5, 1.0, 1.0))
    assert screen_peers(study) == ((0.9, 2.0, 3.0),)
