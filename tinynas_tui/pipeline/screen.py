"""Multi-fidelity screening in the trial worker: a few epochs on held-out data, then full training or PRUNED.

The screen trains ``screen_epochs`` on the training data less a seeded ``screen_validation`` share, and
measures validation accuracy on that share (never on the test split, which the objective is measured on).
With the pre-flight's estimated int8 size and board latency that is the candidate's screen point, judged
against the points earlier screens recorded (`tinynas_tui.core.fidelity.judge`). A promoted candidate trains
on, on all the training data, up to ``epochs`` (the screen's epochs count toward them); one held back ends
PRUNED at ``screen`` having trained only the screen's epochs, and says why.

With early stopping the screen holds out early stopping's own part instead (``validation_split``,
stratified, the same for every trial), and a promoted candidate trains on without it, to convergence:
until its validation accuracy stops improving, ``epochs`` at most, with the learning-rate schedule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinynas_tui.core import figures
from tinynas_tui.core.fidelity import ScreenPoint, ScreenRule, judge
from tinynas_tui.executor.protocol import PruneTrial
from tinynas_tui.pipeline.fit_checks import require_finite


def held_out(n: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices to train on and to validate on: a seeded random ``share`` of ``n`` (at least one each)."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = min(n - 1, max(1, round(n * share)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def screen_point(metrics: dict[str, Any], accuracy: float) -> ScreenPoint:
    """The candidate as the screen compares it: its validation accuracy with the pre-flight's estimated int8
    weights (KiB) and board latency (0 without a board: then size and accuracy decide)."""
    size_kb = metrics.get(figures.EST_WEIGHT_BYTES, 0) / 1024.0
    return ScreenPoint(accuracy, size_kb, float(metrics.get(figures.EST_LATENCY_MS) or 0.0))


def screen_then_train(trial: Any, model: Any, fit_callbacks: Any) -> Any:
    """Screen ``model``; train it on to the full epochs if promoted (the Keras history of all its epochs),
    else raise `PruneTrial`. ``fit_callbacks(stage, epochs)`` gives the callbacks of a stage's fit."""
    from tinynas_tui.pipeline.fitting import convergence_figures, fit_plan

    cfg, data = trial.cfg, trial.data
    seed = 3000 + trial.number
    if cfg.early_stopping:
        # One held-out part for the screen and for early stopping: a promoted candidate is judged on it
        # and then stopped on it, and never trains on it.
        plan = fit_plan(cfg, data.x_train, data.y_train, trial.batch_size, seed=seed)
        screen_inputs, validation = plan.inputs, plan.validation
    else:
        fit_idx, val_idx = held_out(len(data.x_train), cfg.screen_validation, seed)
        # Augmented batches when the pipeline augments.
        screen_inputs = fit_plan(cfg, data.x_train[fit_idx], data.y_train[fit_idx], trial.batch_size, seed=seed).inputs
        validation = (data.x_train[val_idx], data.y_train[val_idx])
    with trial.stage("screen"):
        early = model.fit(**screen_inputs, epochs=cfg.screen_epochs, verbose=0, validation_data=validation,
                          callbacks=fit_callbacks("screen", cfg.screen_epochs))
        require_finite(early, "screen")
        accuracy = float(early.history["val_accuracy"][-1])
        point = screen_point(trial.metrics, accuracy)
        peers = [ScreenPoint(*p) for p in trial.request_screen_peers]
        verdict = judge(point, peers, ScreenRule(cfg.screen_slack, cfg.screen_min_peers))
        trial.metrics[figures.SCREEN_ACCURACY] = accuracy
        trial.metrics[figures.SCREEN_POINT] = [point.accuracy, point.size_kb, point.latency_ms]
        trial.metrics[figures.SCREEN_VERDICT] = verdict.reason
    if not verdict.promoted:
        trial.metrics[figures.EPOCHS_RUN] = cfg.screen_epochs
        trial.metrics[figures.FINAL_LOSS] = float(early.history["loss"][-1])
        raise PruneTrial("screen", f"{verdict.reason} after {cfg.screen_epochs} epoch(s) (validation accuracy "
                                   f"{accuracy:.4f})", trial.metrics)
    verbose = 2 if trial.state.config.verbose else 0
    with trial.stage("train"):
        if not cfg.early_stopping:
            plan = fit_plan(cfg, data.x_train, data.y_train, trial.batch_size, seed=4000 + trial.number)
        rest = model.fit(**plan.inputs, initial_epoch=cfg.screen_epochs, epochs=cfg.epochs, verbose=verbose,
                         validation_data=plan.validation,
                         callbacks=[*plan.callbacks, *fit_callbacks("train", cfg.epochs)])
        require_finite(rest, "train")
    # One history over every epoch, the screen's first: the epochs run, and the epoch early stopping
    # names (Keras counts from the first epoch of all), index into it.
    for key, values in rest.history.items():
        rest.history[key] = list(early.history.get(key, [])) + list(values)
    trial.metrics.update(convergence_figures(plan, rest))
    return rest
