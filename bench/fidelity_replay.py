"""Multi-fidelity screening replayed against two grid tables of the same space: a short and a full one.

Each suggestion is first "screened": its short-training accuracy (from the short table) with its size and
latency is judged by the product's rule (`tinynas_tui.core.fidelity.judge`) against the candidates screened
before it. A promoted candidate is trained fully (the full table's objectives, told COMPLETE); the rest are
told PRUNED, as the product records them. The plain run is the same sampler on the full table alone. Both
are compared at equal training seconds.

Costs come from the short table alone, measured on a quiet machine (the full grid ran while the machine was
shared, so its seconds are not comparable): a full trial costs the short trial's seconds plus its training
seconds per epoch for each further epoch; a screened-out candidate costs its training seconds and the
build (it is neither converted nor measured). Full training continues from the screen's epochs, so a
promoted candidate pays the full trial's cost and no more.

Approximations, stated: the short table's accuracy is int8 test-split accuracy, where the product screens
on a held-out validation split of the training data; both tables measure each model once (one seed).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from search_replay import GridTable, objectives, params_key, sampler_factories

from tinynas_tui.core.fidelity import ScreenPoint, ScreenRule, judge
from tinynas_tui.core.hypervolume import HypervolumeHistory


BUILD_S = 0.15
"""Building a model and its pre-flight: 0.13 s and 0.002 s on the measured grid."""


@dataclass
class CostCurve:
    """Hypervolume share against training seconds spent, one point per trial."""

    seconds: list[float]
    shares: list[float]
    promoted: int = 0
    screened: int = 0

    def share_at(self, budget_s: float) -> float:
        """The share reached once ``budget_s`` training seconds have been spent (0 before the first trial)."""
        best = 0.0
        for spent, share in zip(self.seconds, self.shares):
            if spent > budget_s:
                break
            best = share
        return best


def plain(full: GridTable, short: GridTable, sampler: str, seed: int, budget_s: float, target_hv: float) -> CostCurve:
    """The sampler on the full table alone (costs from the short one, as for `screened`)."""
    return _run(full, short, sampler, seed, budget_s, target_hv, None)


def screened(short: GridTable, full: GridTable, sampler: str, seed: int, budget_s: float, target_hv: float,
             rule: ScreenRule) -> CostCurve:
    return _run(full, short, sampler, seed, budget_s, target_hv, rule)


def _run(full: GridTable, short: GridTable, sampler: str, seed: int, budget_s: float, target_hv: float,
         rule: ScreenRule | None) -> CostCurve:
    import optuna

    from tinynas_tui.core.figures import DIRECTIONS

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=list(DIRECTIONS), sampler=sampler_factories()[sampler](seed))
    history = HypervolumeHistory(full.reference)
    curve = CostCurve([], [])
    peers: list[ScreenPoint] = []
    spent = 0.0
    extra_epochs = (full.meta.get("epochs") or 1) - (short.meta.get("epochs") or 1)
    while spent < budget_s:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial = study.ask()
            params = full.space.suggest(trial)
        key = params_key(params)
        final = full.rows[key]
        basis = short.rows[key]
        per_epoch = basis["train_s"] / (short.meta.get("epochs") or 1)
        full_cost = basis["seconds"] + per_epoch * extra_epochs
        if rule is not None:
            early = basis
            point = ScreenPoint(early["accuracy"], early["size_kb"], early["latency_ms"])
            verdict = judge(point, peers, rule)
            peers.append(point)
            curve.screened += 1
            if not verdict.promoted:
                spent += early["train_s"] + BUILD_S
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                curve.seconds.append(spent)
                curve.shares.append(history.current / target_hv)
                continue
            curve.promoted += 1
        spent += full_cost
        study.tell(trial, objectives(final))
        history.add(objectives(final))
        curve.seconds.append(spent)
        curve.shares.append(history.current / target_hv)
    return curve
