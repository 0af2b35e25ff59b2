"""The multi-fidelity screen in a real trial, in-process: held back after the screen, or trained on."""

from __future__ import annotations

import pytest

from tinynas_tui.core import figures
from tinynas_tui.core.events import EpochEnded, StageStarted, TrialFinished
from tinynas_tui.core.pipeline_config import PRESETS
from tinynas_tui.executor.protocol import PruneTrial, TrialRequest, WorkerConfig

pytestmark = pytest.mark.tf

SCREENED = PRESETS["quick"].with_overrides(epochs=3, screen=True, screen_epochs=1, screen_min_peers=1,
                                           latency_runs=10, representative_samples=50)
PARAMS = {"n_blocks": 1, "layers_per_block": 1, "init_filters": 8, "n_dense": 0}


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    from tinynas_tui.pipeline.trial import prepare

    scratch = tmp_path_factory.mktemp("scratch")
    return prepare(WorkerConfig(dataset={"name": "mnist-5k", "train_samples": 400, "test_samples": 100, "seed": 0},
                                pipeline=SCREENED.to_dict(), model="blocks", scratch_dir=str(scratch),
                                latency={"board": "m4-1m", "core": "cortex-m4", "clock_mhz": 64.0}))


def run(state, number, peers, events):
    from tinynas_tui.pipeline.trial import run_trial

    return run_trial(TrialRequest(number, PARAMS, peers), state, events.append)


def test_a_dominated_candidate_is_pruned_after_the_screen_epochs(state):
    events = []
    # A peer as small and as fast (0 KiB, 0 ms) and perfectly accurate dominates any candidate.
    with pytest.raises(PruneTrial) as pruned:
        run(state, 0, ((1.0, 0.0, 0.0),), events)
    assert pruned.value.stage == "screen"
    assert pruned.value.reason.startswith("dominated by 1 of 1 screened candidates after 1 epoch(s)")
    m = pruned.value.metrics
    assert m[figures.EPOCHS_RUN] == 1
    accuracy, size_kb, latency_ms = m[figures.SCREEN_POINT]
    assert accuracy == m[figures.SCREEN_ACCURACY] and 0.0 <= accuracy <= 1.0
    assert size_kb == pytest.approx(m[figures.EST_WEIGHT_BYTES] / 1024) and latency_ms == m[figures.EST_LATENCY_MS]
    assert [e.stage for e in events if isinstance(e, StageStarted)] == ["build", "preflight", "screen"]


def test_a_promoted_candidate_trains_on_to_the_full_epochs(state):
    events = []
    result = run(state, 1, ((0.0, 1e9, 1e9),), events)  # a peer it dominates
    assert isinstance(result, TrialFinished)
    assert result.metrics[figures.EPOCHS_RUN] == 3
    assert result.metrics[figures.SCREEN_VERDICT] == "not dominated by any of 1 screened candidates"
    assert tuple(e.stage for e in events if isinstance(e, StageStarted)) == SCREENED.stages
    train_epochs = [e.epoch for e in events if isinstance(e, EpochEnded) and e.stage == "train"]
    assert train_epochs[-1] == 3 and min(train_epochs) >= 2  # the screen's epoch counts toward the three


def test_an_augmenting_pipeline_screens_and_trains_on_augmented_batches(tmp_path):
    from tinynas_tui.pipeline import fitting
    from tinynas_tui.pipeline.trial import prepare

    augmenting = SCREENED.with_overrides(augment=True)
    state = prepare(WorkerConfig(dataset={"name": "mnist-5k", "train_samples": 400, "test_samples": 100, "seed": 0},
                                 pipeline=augmenting.to_dict(), model="blocks", scratch_dir=str(tmp_path)))
    calls = []
    real = fitting.augmented_batches

    def spy(x, *args, **kwargs):
        calls.append(len(x))
        return real(x, *args, **kwargs)

    fitting.augmented_batches = spy
    try:
        result = run(state, 2, (), [])
    finally:
        fitting.augmented_batches = real
    assert isinstance(result, TrialFinished) and result.metrics[figures.EPOCHS_RUN] == 3
    assert calls == [360, 400]  # the screen on 90 % of the 400 training images, then training on all of them


def test_with_early_stopping_the_screen_and_the_training_watch_one_held_out_part(tmp_path):
    """A promoted candidate trains on to convergence: stopped on the part the screen judged it on, which
    it never trains on, and its best epoch counted from the screen's first."""
    from tinynas_tui.pipeline import fitting, screen
    from tinynas_tui.pipeline.trial import prepare

    converging = SCREENED.with_overrides(epochs=12, early_stopping=True, patience=2, reduce_lr=True,
                                         augment=True)
    state = prepare(WorkerConfig(dataset={"name": "mnist-5k", "train_samples": 400, "test_samples": 100, "seed": 0},
                                 pipeline=converging.to_dict(), model="blocks", scratch_dir=str(tmp_path)))
    trained_on, validated_on, held_out = [], [], []
    real_fit, real_held_out = fitting.fit_plan, screen.held_out

    def spy_fit_plan(cfg, x, y, *args, **kwargs):
        plan = real_fit(cfg, x, y, *args, **kwargs)
        trained_on.append(len(plan.train_indices) if plan.train_indices is not None else len(x))
        validated_on.append(None if plan.validation is None else len(plan.validation[0]))
        return plan

    fitting.fit_plan = spy_fit_plan
    screen.held_out = lambda *args: held_out.append(args) or real_held_out(*args)
    events = []
    try:
        result = run(state, 3, ((0.0, 1e9, 1e9),), events)  # a peer it dominates: promoted
    finally:
        fitting.fit_plan, screen.held_out = real_fit, real_held_out
    assert isinstance(result, TrialFinished)
    m = result.metrics
    _, held = fitting.validation_split(state.data.y_train, converging.validation_split)
    # One plan for the screen and the training: the stratified part early stopping watches, never trained on.
    assert validated_on == [len(held)] and trained_on == [400 - len(held)] and held_out == []
    assert m[figures.VALIDATION_SAMPLES] == len(held)
    assert m[figures.SCREEN_VERDICT] == "not dominated by any of 1 screened candidates"
    assert 1 <= m[figures.BEST_EPOCH] <= m[figures.EPOCHS_RUN] <= 12
    train_epochs = [e.epoch for e in events if isinstance(e, EpochEnded) and e.stage == "train"]
    assert train_epochs[0] == 2 and train_epochs[-1] == m[figures.EPOCHS_RUN]  # the screen's epoch counts
