"""Samplers: names, the grid sampler's enqueued trials, resuming, and constraints in Optuna 5."""

from __future__ import annotations

import warnings

import optuna
import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.search import study as studies
from tinynas_tui.core.grid import distinct_grid
from tinynas_tui.core.space import BLOCKS, SINGLE_CONV
from tinynas_tui.search.study import (
    DIRECTIONS,
    SAMPLERS,
    StudyDefinition,
    grid_remaining,
    load_existing,
    make_sampler,
    stored_sampler,
)

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

BLOCKS_DEF = StudyDefinition(BLOCKS, {"epochs": 1}, {"name": "mnist"})


@pytest.fixture
def storage(tmp_path):
    return optuna.storages.RDBStorage("sqlite:///" + str(tmp_path / "x.db"))


def no_objectives(trial):
    BLOCKS.suggest(trial)
    return 0.5, 10.0, 1.0  # the study has three objectives (accuracy, size_kb, latency_ms)


@pytest.mark.parametrize("name, cls", [
    ("tpe", optuna.samplers.TPESampler),
    ("nsga2", optuna.samplers.NSGAIISampler),
    ("random", optuna.samplers.RandomSampler),
    ("grid", optuna.samplers.RandomSampler),
])
def test_each_name_gives_its_sampler(name, cls):
    assert type(make_sampler(name, 1)) is cls
    assert type(make_sampler(name, None)) is cls


def test_tpe_is_multivariate_and_old_call_forms_still_work():
    assert SAMPLERS == ("tpe", "nsga2", "random", "gp", "grid")
    assert make_sampler("tpe", 0)._multivariate is True
    assert type(make_sampler(None)) is optuna.samplers.TPESampler
    assert type(make_sampler(3)) is optuna.samplers.TPESampler
    assert type(make_sampler()) is optuna.samplers.TPESampler


def test_unknown_sampler_is_refused_in_one_line(storage):
    with pytest.raises(UsageError) as err:
        make_sampler("cmaes", None)
    assert str(err.value) == "unknown sampler 'cmaes': expected one of tpe, nsga2, random, gp, grid"
    with pytest.raises(UsageError, match="unknown sampler 'x'"):
        studies.create(storage, "s", BLOCKS_DEF, sampler="x")
    assert load_existing(storage, "s") is None  # nothing was written


def test_gp_without_pytorch_is_refused_in_one_line_before_anything_is_written(storage, monkeypatch):
    monkeypatch.setattr(studies, "_has_torch", lambda: False)
    with pytest.raises(UsageError) as err:
        studies.create(storage, "s", BLOCKS_DEF, sampler="gp")
    assert str(err.value).startswith("the gp sampler (Optuna's GPSampler) needs PyTorch")
    assert load_existing(storage, "s") is None


def test_gp_samples_the_conditional_space_when_pytorch_is_there(storage):
    pytest.importorskip("torch")
    study = studies.create(storage, "gp", BLOCKS_DEF, seed=0, sampler="gp")
    assert type(study.sampler) is optuna.samplers.GPSampler
    study.optimize(lambda t: (len(BLOCKS.suggest(t)) / 10, 10.0, 1.0), n_trials=12)  # past its 10 random ones
    assert stored_sampler(load_existing(storage, "gp")) == "gp"
    assert all(("dense_units" in t.params) == (t.params["n_dense"] > 0) for t in study.trials)


def test_grid_study_enqueues_every_distinct_model_and_consumes_them(storage):
    study = studies.create(storage, "g", BLOCKS_DEF, seed=0, sampler="grid")
    waiting = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
    assert len(waiting) == 162 == grid_remaining(study)
    assert stored_sampler(study) == "grid"
    assert study.user_attrs["space"] == BLOCKS.to_dict()
    grid = distinct_grid(BLOCKS)
    study.optimize(no_objectives, n_trials=3)
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    assert [t.params for t in done] == grid[:3]
    assert grid_remaining(study) == 159
    # A resumed grid study carries on with the next grid points.
    again = load_existing(storage, "g")
    assert isinstance(again.sampler, optuna.samplers.RandomSampler)
    assert grid_remaining(again) == 159
    again.optimize(no_objectives, n_trials=2)
    done = again.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    assert [t.params for t in done] == grid[:5]
    assert grid_remaining(again) == 157


def test_grid_of_a_float_space_is_refused_before_creating_the_study(storage):
    definition = StudyDefinition(SINGLE_CONV, {}, {})
    with pytest.raises(UsageError, match="parameter 'dropout' is a float range"):
        studies.create(storage, "f", definition, sampler="grid")
    assert load_existing(storage, "f") is None


@pytest.mark.parametrize("name, cls", [
    ("tpe", optuna.samplers.TPESampler),
    ("nsga2", optuna.samplers.NSGAIISampler),
    ("random", optuna.samplers.RandomSampler),
])
def test_load_existing_rebuilds_the_stored_sampler(storage, name, cls):
    study = studies.create(storage, "s", BLOCKS_DEF, seed=1, sampler=name)
    assert stored_sampler(study) == name and grid_remaining(study) == 0
    again = load_existing(storage, "s", seed=2)
    assert type(again.sampler) is cls
    assert stored_sampler(again) == name


def test_a_study_without_a_stored_sampler_resumes_with_tpe(storage):
    optuna.create_study(storage=storage, study_name="old", directions=list(DIRECTIONS))
    again = load_existing(storage, "old")
    assert type(again.sampler) is optuna.samplers.TPESampler
    assert stored_sampler(again) == "tpe"
    assert studies.create(storage, "new", BLOCKS_DEF).user_attrs["sampler"] == "tpe"  # the default


def constrained_objective(trial):
    """Flash budget 100 kB: models over it report a positive constraint (infeasible)."""
    params = BLOCKS.suggest(trial)
    size = params["init_filters"] * params["n_blocks"] * (1 + params["n_dense"])
    trial.set_constraint("flash", size - 100.0)
    accuracy = 0.5 + size / 1000.0  # bigger is better, so the unconstrained front is the big models
    return accuracy, float(size), 1.0


@pytest.mark.parametrize("name", ["tpe", "nsga2", "random"])
def test_set_constraint_is_honoured_without_a_constraints_func(storage, name):
    study = studies.create(storage, "c", BLOCKS_DEF, seed=4, sampler=name)
    study.optimize(constrained_objective, n_trials=15)
    trials = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    infeasible = [t for t in trials if t.constraints["flash"] > 0]
    feasible = [t for t in trials if t.constraints["flash"] <= 0]
    assert infeasible and feasible  # the toy objective hits both sides of the budget
    best = study.best_trials
    assert best
    # Study.best_trials filters with _get_feasible_trials once any trial has constraints, so the
    # front holds only feasible trials even though the infeasible ones have better accuracy.
    assert all(t.constraints["flash"] <= 0 for t in best)
    assert max(t.values[0] for t in infeasible) > max(t.values[0] for t in best)
    # ... and it is the Pareto front of the feasible trials alone.
    front = optuna.study._multi_objective._get_pareto_front_trials_by_trials(feasible, study.directions)
    assert {t.number for t in best} == {t.number for t in front}


def test_tpe_puts_infeasible_trials_in_the_bad_group(storage):
    """TPE's _split_trials reads trial.constraints: infeasible trials only fill 'below' after every
    feasible trial, whatever their objective values."""
    from optuna.samplers._tpe.sampler import _split_trials

    study = studies.create(storage, "t", BLOCKS_DEF, seed=5, sampler="tpe")
    study.optimize(constrained_objective, n_trials=15)
    trials = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    n_feasible = sum(t.constraints["flash"] <= 0 for t in trials)
    assert 0 < n_feasible < len(trials)
    below, above = _split_trials(study, list(trials), n_feasible)
    assert all(t.constraints["flash"] <= 0 for t in below)
    assert all(t.constraints["flash"] > 0 for t in above)


def test_nsga2_selects_feasible_parents_first(storage):
    """NSGA-II's elite selection ranks with constrained domination once any trial has constraints
    (_rank_population with _evaluate_penalty): every feasible trial outranks every infeasible one."""
    from optuna.samplers.nsgaii._elite_population_selection_strategy import (
        NSGAIIElitePopulationSelectionStrategy,
    )

    study = studies.create(storage, "n", BLOCKS_DEF, seed=6, sampler="nsga2")
    study.optimize(constrained_objective, n_trials=15)
    trials = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    n_feasible = sum(t.constraints["flash"] <= 0 for t in trials)
    assert 1 < n_feasible < len(trials)
    elite = NSGAIIElitePopulationSelectionStrategy(population_size=n_feasible)(study, list(trials))
    assert len(elite) == n_feasible
    assert all(t.constraints["flash"] <= 0 for t in elite)
