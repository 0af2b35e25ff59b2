"""`plan_export` with formats given by default: a .keras the study did not keep is one note, not a skip."""

from __future__ import annotations

import optuna
from optuna.artifacts import upload_artifact

from tinynas_tui.core.space import SINGLE_CONV
from tinynas_tui.export.plan import plan_export
from tinynas_tui.search import study as studies
from tinynas_tui.search.storage import open_artifact_store, open_storage, resolve_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)


def study_of_two(tmp):
    target = resolve_storage(None, tmp / "tinynas-runs")
    study = studies.create(open_storage(target, heartbeat=None), "p", studies.StudyDefinition(
        SINGLE_CONV, {"name": "quick"}, {"name": "mnist-5k"}, {}), seed=0)
    store = open_artifact_store(target)
    for i in range(2):
        trial = study.ask()
        SINGLE_CONV.suggest(trial)
        path = tmp / "m.tflite"
        path.write_bytes(b"TFL3" + bytes([i]) * 20)
        trial.set_user_attr("artifacts", {"model.tflite": upload_artifact(
            artifact_store=store, file_path=str(path), study_or_trial=trial)})
        study.tell(trial, [0.9 - i / 10, 1.0 + i, 1.0 - i / 2])
    return study, store


def test_not_asked_by_name_a_missing_keras_is_noted_once(tmp_path):
    study, store = study_of_two(tmp_path)
    plan = plan_export(study, store, [0, 1], tmp_path / "out", asked=())
    assert plan.skipped == []
    assert plan.not_kept == {"keras": [0, 1]}
    assert plan.summary().endswith("; .keras not kept by this study: not exported")


def test_asked_by_name_or_by_default_of_asked_each_trial_is_skipped_as_before(tmp_path):
    study, store = study_of_two(tmp_path)
    for asked in (None, ("keras",)):
        plan = plan_export(study, store, [0, 1], tmp_path / "out", ("tflite", "keras"), asked=asked)
        assert [(s.trial, s.format) for s in plan.skipped] == [(0, "keras"), (1, "keras")]
        assert plan.not_kept == {}
