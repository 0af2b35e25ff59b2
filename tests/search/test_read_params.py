"""`read_params`: every trial's parameters in one query, as Optuna reads them (what a summary open of
the trial table leaves out)."""

from __future__ import annotations

import optuna

from tinynas_tui.search.trial_reader import read_params, read_study

optuna.logging.set_verbosity(optuna.logging.ERROR)


def test_read_params_gives_each_trials_parameters_by_number(tmp_path):
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'p.db'}")
    study = optuna.create_study(study_name="p", storage=storage, directions=["maximize"])
    other = optuna.create_study(study_name="other", storage=storage)
    other.optimize(lambda t: t.suggest_float("z", 0, 1), n_trials=2)  # another study's trials stay out
    for i in range(5):
        trial = study.ask()
        trial.suggest_categorical("num_filters", (8, 16, 32))
        trial.suggest_float("lr", 1e-4, 1e-2, log=True)
        if i % 2:
            trial.suggest_categorical("separable", (False, True))
        study.tell(trial, 0.5)
    study.ask()  # a trial with no parameters yet

    params = read_params(storage, study._study_id)
    assert params == {t.number: t.params for t in study.get_trials() if t.params}
    assert not any(r.params for r in read_study(storage, study._study_id, summary=True).records)
    assert isinstance(params[0]["num_filters"], int) and isinstance(params[1]["separable"], bool)
