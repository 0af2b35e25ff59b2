"""Parameter importance on real in-memory Optuna studies whose structure is known.

The study's accuracy rises with ``a`` and falls with ``b``: what makes it *high* is ``a``, what makes it
*low* is ``b``. PED-ANOVA ranks what decides *low* targets, so without the negation the view would name
``b`` for accuracy; the first tests check both sides of that.
"""

from __future__ import annotations

import optuna
import pytest

from tinynas_tui.core.importance import MIN_TRIALS
from tinynas_tui.core.scoring import Weights
from tinynas_tui.search.importance import EVALUATOR, param_importances

optuna.logging.set_verbosity(optuna.logging.WARNING)
DIRECTIONS = ["maximize", "minimize", "minimize"]


def objective(trial: optuna.Trial) -> tuple[float, float, float]:
    a = trial.suggest_float("a", 0.0, 1.0)
    b = trial.suggest_float("b", 0.0, 1.0)
    c = trial.suggest_float("c", 0.0, 1.0)
    d = trial.suggest_float("d", 0.0, 1.0)
    trial.suggest_categorical("fixed", [3])  # one choice: nothing to rank
    if a > 0.5:  # a conditional parameter, as a `blocks` space's dense_units
        trial.suggest_int("extra", 1, 4)
    accuracy = 0.5 + 0.4 * a ** 8 - 0.4 * b ** 8
    return accuracy, 10 + 100 * c, 1 + 10 * d


def make_study(n_trials: int = 120, seed: int = 3) -> optuna.Study:
    study = optuna.create_study(directions=DIRECTIONS, sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return study


@pytest.fixture(scope="module")
def study() -> optuna.Study:
    return make_study()


def top(report, objective: str) -> str:
    entry = next(o for o in report.objectives if o.objective == objective)
    assert entry.ranked, entry.note
    return entry.ranked[0][0]


def test_each_objective_is_decided_by_its_own_parameter(study):
    report = param_importances(study, Weights())
    assert report.note is None and report.evaluator == EVALUATOR
    assert top(report, "accuracy") == "a"  # high accuracy: a (negated), not b
    assert top(report, "size_kb") == "c"
    assert top(report, "latency_ms") == "d"


def test_without_the_negation_accuracy_would_name_what_makes_it_low(study):
    """The trap the negation avoids: Optuna's default read the raw accuracy as a loss."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = optuna.importance.get_param_importances(study, params=["a", "b", "c", "d"],
                                                      target=lambda t: t.values[0])
    assert next(iter(raw)) == "b"


def test_the_score_follows_the_weights(study):
    assert top(param_importances(study, Weights(100.0, 0.0, 0.0)), "score") == "a"
    assert top(param_importances(study, Weights(0.0, 1.0, 0.0)), "score") == "c"
    assert top(param_importances(study, Weights(0.0, 0.0, 1.0)), "score") == "d"


def test_counts_importances_and_parameters(study):
    report = param_importances(study, Weights())
    assert report.trials == 120
    assert [o.objective for o in report.objectives] == ["accuracy", "size_kb", "latency_ms", "score"]
    for entry in report.objectives:
        assert entry.trials == 120
        assert sum(v for _, v in entry.ranked) == pytest.approx(1.0)
        assert [v for _, v in entry.ranked] == sorted((v for _, v in entry.ranked), reverse=True)
        assert {p for p, _ in entry.ranked} == {"a", "b", "c", "d", "extra"}  # the conditional one too
    assert report.constant == ("fixed",)


def test_failed_and_pruned_trials_do_not_count():
    study = make_study(MIN_TRIALS)
    study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.FAIL))
    study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.PRUNED))
    report = param_importances(study, Weights())
    assert report.trials == MIN_TRIALS
    assert all(o.trials == MIN_TRIALS and o.ranked for o in report.objectives)


def test_too_few_trials_say_how_many_are_needed():
    report = param_importances(make_study(MIN_TRIALS - 1), Weights())
    assert report.objectives == ()
    assert report.note == f"needs at least {MIN_TRIALS} complete trials (has {MIN_TRIALS - 1})"


def test_an_empty_study_has_a_note_not_an_error():
    study = optuna.create_study(directions=DIRECTIONS)
    assert param_importances(study, Weights()).note == f"needs at least {MIN_TRIALS} complete trials (has 0)"


def test_an_objective_with_too_few_finite_values_says_so():
    study = make_study(MIN_TRIALS + 2)
    for t in study.get_trials()[:3]:
        study.add_trial(optuna.trial.create_trial(params=t.params, distributions=t.distributions,
                                                  values=[t.values[0], t.values[1], float("inf")]))
    report = param_importances(study, Weights(), min_trials=MIN_TRIALS + 3)
    latency = next(o for o in report.objectives if o.objective == "latency_ms")
    assert latency.ranked == () and latency.trials == MIN_TRIALS + 2  # the infinite ones do not count
    accuracy = next(o for o in report.objectives if o.objective == "accuracy")
    assert accuracy.trials == MIN_TRIALS + 5 and accuracy.ranked


def test_a_study_whose_parameters_never_varied():
    study = optuna.create_study(directions=DIRECTIONS)
    for i in range(MIN_TRIALS):
        study.add_trial(optuna.trial.create_trial(
            params={"k": 3}, distributions={"k": optuna.distributions.CategoricalDistribution([3, 5])},
            values=[0.5 + i / 100, 10.0, 1.0]))
    report = param_importances(study, Weights())
    assert report.objectives == () and report.constant == ("k",)
    assert "one value" in report.note


class BrokenEvaluator(optuna.importance.PedAnovaImportanceEvaluator):
    def evaluate(self, study, params=None, *, target=None):
        raise ValueError("no variance")


def test_an_evaluator_failure_is_a_note_per_objective(study):
    report = param_importances(study, Weights(), evaluator=BrokenEvaluator())
    assert len(report.objectives) == 4
    assert all(o.ranked == () and o.note == "failed: ValueError: no variance" for o in report.objectives)
