"""``tinynas-tui export`` with the default formats: a study that kept no .keras exports the rest and says
so once; ``--format keras`` still names each trial without one."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.artifacts import upload_artifact

from tinynas_tui.cli.export import run_export
from tinynas_tui.core.space import SINGLE_CONV
from tinynas_tui.search import study as studies
from tinynas_tui.search.storage import open_artifact_store, open_storage, resolve_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)

PIPELINE = {"name": "quick", "epochs": 1, "quantization": "int8"}
DATASET = {"name": "mnist-5k", "train_samples": None, "test_samples": None, "seed": 0}


def make_study(tmp: Path, n: int, keras_for: tuple[int, ...] = ()) -> None:
    """A study ``s`` of ``n`` complete trials with a stored .tflite (and a .keras for ``keras_for``)."""
    target = resolve_storage(None, tmp / "tinynas-runs")
    storage = open_storage(target, heartbeat=None)
    study = studies.create(storage, "s", studies.StudyDefinition(SINGLE_CONV, PIPELINE, DATASET, {}), seed=0)
    store = open_artifact_store(target)
    for i in range(n):
        trial = study.ask()
        SINGLE_CONV.suggest(trial)
        ids = {}
        for name in ("model.tflite", "model.keras") if i in keras_for else ("model.tflite",):
            path = tmp / name
            path.write_bytes(b"TFL3" + bytes([i]) * (10 + i) + name.encode())
            ids[name] = upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
        trial.set_user_attr("artifacts", ids)
        study.tell(trial, [0.8 + i / 100, 10.0 + i, 5.0 - i])  # every trial on the front


def export(capsys, *args: str) -> tuple[int, str]:
    code = run_export(list(args))
    return code, capsys.readouterr().out


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_pareto_with_default_formats_says_once_that_the_study_kept_no_keras(in_tmp, capsys):
    make_study(in_tmp, 4)
    code, out = export(capsys, "--pareto", "--out", "out")
    assert code == 0, out
    assert "skipped" not in out, out
    assert out.count(".keras") == 1, out
    assert out.splitlines()[-1].endswith("; .keras not kept by this study: not exported"), out
    report = (in_tmp / "out" / "s-report.md").read_text()
    assert "keep_keras" not in report and "no .keras" not in report
    assert not list((in_tmp / "out").glob("*.keras"))
    assert len(list((in_tmp / "out").glob("*.tflite"))) == 4


def test_format_all_is_the_default_too(in_tmp, capsys):
    make_study(in_tmp, 2)
    code, out = export(capsys, "--pareto", "--out", "out", "--format", "all")
    assert code == 0 and "skipped" not in out and out.count(".keras") == 1, out


def test_keras_asked_for_by_name_still_names_each_trial_without_one(in_tmp, capsys):
    make_study(in_tmp, 3)
    code, out = export(capsys, "--pareto", "--out", "out", "--format", "tflite,keras")
    assert code == 0, out
    for n in range(3):
        assert f"skipped trial {n}: no .keras kept for this trial" in out, out
    assert "not kept by this study" not in out


def test_a_study_that_kept_some_keras_exports_them_and_names_the_trials_without(in_tmp, capsys):
    make_study(in_tmp, 3, keras_for=(0, 2))
    code, out = export(capsys, "--pareto", "--out", "out")
    assert code == 0, out
    assert sorted(p.name for p in (in_tmp / "out").glob("*.keras")) == ["s-trial-0.keras", "s-trial-2.keras"]
    assert "skipped" not in out
    assert out.splitlines()[-1].endswith("; .keras not kept for trial 1: not exported"), out
