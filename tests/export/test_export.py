"""Exporting trials: files, byte-identical models, C arrays that compile, reports, and refusals.

A real study in a temporary SQLite file with fake ``.tflite`` bytes in the artifact store; only the last
test (marked ``tf``) runs a real trial and checks the exported model's accuracy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from optuna.artifacts import upload_artifact
from optuna.trial import TrialState
from pareto import brute_force_front

from tinynas_tui.errors import UsageError
from tinynas_tui.export.c_array import c_identifier, tflite_to_c
from tinynas_tui.export.files import safe_name
from tinynas_tui.export.plan import FORMATS, parse_formats, plan_export
from tinynas_tui.export.select import select_trials
from tinynas_tui.export.write import write_export
from tinynas_tui.export.trials_csv import CSV_COLUMNS
from tinynas_tui.export.report import (
    GLYPH_EXPORTED,
    GLYPH_FRONT,
    GLYPH_POINT,
)
from tinynas_tui.cli.export import run_export
from tinynas_tui.search import study as studies
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.space import SINGLE_CONV
from tinynas_tui.search.storage import (
    open_artifact_store,
    open_storage,
    resolve_storage,
)

optuna.logging.set_verbosity(optuna.logging.ERROR)

DATASET = {"name": "mnist-5k", "train_samples": None, "test_samples": None, "seed": 0}
PIPELINE = {"name": "quick", "epochs": 1, "quantization": "int8"}
BUDGETS = {"max_flash_kb": 256.0}
NAN_REASON = "loss became NaN at epoch 1; the model is not converted"
PRUNE_REASON = "needs at least 300.0 KiB of flash for its int8 weights; the budget is 256 KiB"

# (kind, accuracy, size multiplier, latency ms, arena bytes); the size is the fake model's real length.
TRIALS = [
    ("complete", 0.90, 3, 1.0, 20_480),    # 0: front (smallest)
    ("complete", 0.95, 9, 2.0, 40_960),    # 1: front (most accurate)
    ("failed", None, None, None, None),    # 2
    ("pruned", None, None, None, None),    # 3
    ("complete", 0.80, 12, 3.0, 51_200),   # 4: dominated by 0 and 1
    ("no-artifact", 0.85, 6, 1.5, 30_000),  # 5: complete, recorded without a model
]


def fake_tflite(number: int, multiplier: int) -> bytes:
    return b"\x1c\x00\x00\x00TFL3" + bytes([number]) + bytes(range(256)) * multiplier


def add_trials(study, store, tmp: Path, specs=TRIALS) -> dict[int, bytes]:
    """Record ``specs`` on ``study`` the way the runner does; return each stored model's bytes."""
    models = {}
    for kind, acc, mult, latency, arena in specs:
        trial = study.ask()
        SINGLE_CONV.suggest(trial)
        n = trial.number
        if kind == "failed":
            trial.set_user_attr("fail_stage", "train")
            trial.set_user_attr("fail_reason", NAN_REASON)
            study.tell(trial, state=TrialState.FAIL)
            continue
        if kind == "pruned":
            trial.set_user_attr("prune_stage", "preflight")
            trial.set_user_attr("prune_reason", PRUNE_REASON)
            study.tell(trial, state=TrialState.PRUNED)
            continue
        data = fake_tflite(n, mult)
        for key, value in {"arena_bytes": arena, "float_accuracy": acc + 0.01, "macs": 1000 * (n + 1),
                           "params": 500 * (n + 1), "gzip_bytes": len(data) // 2, "tflite_sparsity": 0.25,
                           "tflite_bytes": len(data), "input_dtype": "int8", "output_dtype": "int8",
                           "layers": [{"type": "Conv2D"}, {"type": "Dense"}]}.items():
            trial.set_user_attr(key, value)
        if kind == "complete":
            path = tmp / f"scratch-{n}.tflite"
            path.write_bytes(data)
            artifact_id = upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
            path.unlink()
            trial.set_user_attr("artifacts", {"model.tflite": artifact_id})
            models[n] = data
        study.tell(trial, [acc, len(data) / 1024, latency])
    return models


def make_study(tmp: Path, name: str = "demo", specs=TRIALS):
    target = resolve_storage(None, tmp / "tinynas-runs")
    storage = open_storage(target, heartbeat=None)
    definition = studies.StudyDefinition(SINGLE_CONV, PIPELINE, DATASET, BUDGETS)
    study = studies.create(storage, name, definition, seed=0)
    store = open_artifact_store(target)
    return study, store, add_trials(study, store, tmp, specs)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    """The ``demo`` study built once (building takes about a second); each test gets a copy."""
    folder = tmp_path_factory.mktemp("demo-template")
    _, _, models = make_study(folder)
    return folder / "tinynas-runs", models


@pytest.fixture
def demo(demo_template, tmp_path, monkeypatch):
    """A study ``demo`` in ``./tinynas-runs/tinynas.db`` (the default storage), cwd at ``tmp_path``."""
    runs, models = demo_template
    shutil.copytree(runs, tmp_path / "tinynas-runs")
    monkeypatch.chdir(tmp_path)
    target = resolve_storage(None, tmp_path / "tinynas-runs")
    study = optuna.load_study(study_name="demo", storage=open_storage(target, heartbeat=None))
    return study, open_artifact_store(target), models, tmp_path


def export(capsys, *args):
    code = run_export(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


# -- the CLI ----------------------------------------------------------------------------------------


def test_export_by_trial_numbers_writes_every_format(demo, capsys):
    study, store, models, tmp = demo
    code, out, err = export(capsys, "--trial", "1", "--trial", "0", "--out", "out")
    assert code == 0, err
    names = sorted(p.name for p in (tmp / "out").iterdir())
    per_trial = [f"demo-trial-{n}{ext}" for n in (0, 1) for ext in (".tflite", ".cc", ".h", "-params.json")]
    assert names == sorted(per_trial + ["demo-trials.csv", "demo-report.md"])
    for n in (0, 1):
        assert (tmp / "out" / f"demo-trial-{n}.tflite").read_bytes() == models[n]  # byte-identical
        assert f"wrote out/demo-trial-{n}.tflite" in out.splitlines()
    # No .keras in this study, and none asked for by name: said once, and the rest is exported.
    assert "skipped" not in out
    assert out.splitlines()[-1] == ("exported 2 of 2 trials of study 'demo' to out: 10 files written; "
                                    ".keras not kept by this study: not exported")

    info = json.loads((tmp / "out" / "demo-trial-1-params.json").read_text())
    trial = study.trials[1]
    assert info["params"] == trial.params
    assert info["values"] == {"accuracy": 0.95, "size_kb": len(models[1]) / 1024, "latency_ms": 2.0}
    assert info["metrics"]["arena_bytes"] == 40_960 and info["metrics"]["layers"][0]["type"] == "Conv2D"
    assert "artifacts" not in info["metrics"]
    assert info["tflite"] == {"file": "demo-trial-1.tflite",
                              "artifact_id": trial.user_attrs["artifacts"]["model.tflite"],
                              "bytes": len(models[1]), "sha256": hashlib.sha256(models[1]).hexdigest()}
    assert info["pipeline"] == PIPELINE and info["dataset"] == DATASET and info["budgets"] == BUDGETS
    assert info["study_budgets"] == BUDGETS  # the CLI ranks by the study's own budgets
    assert info["space"] == SINGLE_CONV.to_dict() and info["sampler"] == "tpe"
    assert set(info["package_versions"]) == {"tinynas-tui", "tensorflow", "tf-keras",
                                             "tensorflow-model-optimization", "optuna", "ai-edge-litert",
                                             "tflite-micro", "numpy"}
    assert info["package_versions"]["optuna"] == optuna.__version__
    assert info["on_pareto"] is True and info["rank"] == 1

    rows = list(csv.DictReader(io.StringIO((tmp / "out" / "demo-trials.csv").read_text())))
    header = next(csv.reader(io.StringIO((tmp / "out" / "demo-trials.csv").read_text())))
    assert header == [*CSV_COLUMNS, *SINGLE_CONV.names]
    assert [r["number"] for r in rows] == ["1", "0"]  # the order asked for
    r1 = rows[0]
    assert r1["state"] == "complete" and float(r1["accuracy"]) == 0.95 and float(r1["float_accuracy"]) == 0.96
    assert round(float(r1["size_kb"]) * 1024) == len(models[1]) and float(r1["arena_kb"]) == 40.0
    assert r1["macs"] == "2000" and r1["params"] == "1000" and r1["on_pareto"] == "true"
    assert float(r1["score"]) == pytest.approx(Weights().score(0.95, len(models[1]) / 1024, 2.0))
    assert r1["rank"] == "1" and round(float(r1["gzip_kb"]) * 1024) == len(models[1]) // 2 and r1["sparsity"] == "0.25"
    assert {k: r1[k] for k in SINGLE_CONV.names} == {k: str(v) for k, v in study.trials[1].params.items()}

    report = (tmp / "out" / "demo-report.md").read_text()
    assert report.startswith("# Export of study `demo`")
    assert "- **Storage:** `sqlite:///tinynas-runs/tinynas.db`" in report
    assert "`mnist-5k`" in report and "`single-conv`" in report and "`quick`" in report
    assert "`100,0.01,0.1`" in report and "- **Budgets:** flash ≤ 256 KiB\n" in report
    assert "Study's budgets" not in report  # in force and stored are the same: one line
    row = r"^\| 1 \| 0\.9500 \| 0\.9600 \| [\d.]+ \| 2\.00 \| 40\.0 \| 2,000 \| 1,000 \| [\d.]+ \| 1 \| ★ \|"
    assert re.search(row, report, re.M)
    assert re.search(r"^\| 0 \| 0\.9000 \|", report, re.M)
    plot = report.split("```text\n", 1)[1].split("```", 1)[0]
    # Every complete trial with a value is plotted: 0 and 1 exported, 4 and 5 not, none of those on the front.
    assert plot.count(GLYPH_EXPORTED) == 2 and plot.count(GLYPH_POINT) == 2 and plot.count(GLYPH_FRONT) == 0
    assert "accuracy ↑" in plot and "size KiB →" in plot
    assert "Legend:" in report and "- Pareto front: #0, #1" in report


def test_pareto_and_best_choose_the_trials(demo, capsys):
    study, store, models, tmp = demo
    code, out, err = export(capsys, "--pareto", "--out", "front", "--format", "tflite")
    assert code == 0, err
    expected = brute_force_front(study.get_trials())
    assert expected == [0, 1]
    assert sorted(p.name for p in (tmp / "front").iterdir()) == ["demo-trial-0.tflite", "demo-trial-1.tflite"]
    assert "skipped" not in out  # keras not asked for

    # Weighted only by latency: 0 (1.0 ms), then 5 (1.5 ms), then 1 (2.0 ms). 5 has no model: skipped, said so.
    code, out, err = export(capsys, "--best", "3", "--weights", "0,0,1", "--out", "best", "--format", "tflite,csv")
    assert code == 0, err
    assert sorted(p.name for p in (tmp / "best").iterdir()) == [
        "demo-trial-0.tflite", "demo-trial-1.tflite", "demo-trials.csv"]
    assert "skipped trial 5: complete but recorded without a model.tflite artifact" in out
    rows = list(csv.DictReader((tmp / "best" / "demo-trials.csv").open()))
    assert [r["number"] for r in rows] == ["0", "1"] and [r["rank"] for r in rows] == ["1", "3"]
    assert out.splitlines()[-1] == "exported 2 of 3 trials of study 'demo' to best: 3 files written; 1 trial skipped"


def test_failed_pruned_and_modelless_trials_are_reported_and_skipped(demo, capsys):
    study, store, models, tmp = demo
    code, out, err = export(capsys, "--trial", "2", "--trial", "3", "--trial", "5", "--trial", "4",
                            "--out", "out", "--format", "tflite,md")
    assert code == 0, err
    lines = out.splitlines()
    assert f"skipped trial 2: failed (train: {NAN_REASON})" in lines
    assert f"skipped trial 3: pruned (preflight: {PRUNE_REASON})" in lines
    assert "skipped trial 5: complete but recorded without a model.tflite artifact" in lines
    assert sorted(p.name for p in (tmp / "out").iterdir()) == ["demo-report.md", "demo-trial-4.tflite"]
    report = (tmp / "out" / "demo-report.md").read_text()
    assert f"- trial 2: failed (train: {NAN_REASON})" in report

    # Nothing exportable: exit 1, nothing written, every reason said.
    code, out, err = export(capsys, "--trial", "2", "--trial", "3", "--out", "none")
    assert code == 1 and not (tmp / "none").exists()
    assert "skipped trial 2: failed" in out and "skipped trial 3: pruned" in out
    assert out.splitlines()[-1].startswith("nothing exported")


def test_an_artifact_missing_from_the_store_is_reported(demo, capsys):
    study, store, models, tmp = demo
    artifact_id = study.trials[0].user_attrs["artifacts"]["model.tflite"]
    (tmp / "tinynas-runs" / "artifacts" / artifact_id).unlink()
    code, out, err = export(capsys, "--trial", "0", "--trial", "1", "--out", "out", "--format", "tflite")
    assert code == 0, err
    assert f"skipped trial 0: its model.tflite (artifact {artifact_id}) is missing from the artifact store" in out
    assert [p.name for p in (tmp / "out").iterdir()] == ["demo-trial-1.tflite"]


@pytest.mark.parametrize("args, message", [
    (["--trial", "42"], "tinynas-tui: unknown trial 42 in study 'demo' (it has trials 0-5)"),
    (["--trial", "0", "--format", "tflite,onnx"],
     "tinynas-tui: unknown export format 'onnx': expected a comma-separated list of tflite, c, keras, json, "
     "csv, md (or all)"),
    (["--trial", "0", "--weights", "1,2"], None),
    (["--trial", "-1"], None),
    (["--trial", "0", "--pareto"], None),
    ([], "tinynas-tui: choose the trials with exactly one of --trial N (repeatable), --pareto, --best K"),
    (["--best", "0"], None),
    (["--trial", "0", "--study", "nope"],
     "tinynas-tui: no study 'nope' in sqlite:///tinynas-runs/tinynas.db: it holds demo"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(demo, capsys, args, message):
    code, out, err = export(capsys, *args, "--out", "out")
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("tinynas-tui: ") and "Traceback" not in err
    if message:
        assert err.rstrip("\n") == message
    assert out == "" and not (Path.cwd() / "out").exists()


def test_no_database_is_refused_without_creating_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = export(capsys, "--trial", "0", "--out", "out")
    assert code == 2
    assert err == ("tinynas-tui: no study database at tinynas-runs/tinynas.db: run a search first, "
                   "or pass --storage URL\n")
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_kept_without_force_and_replaced_with_it(demo, capsys):
    study, store, models, tmp = demo
    args = ["--trial", "0", "--out", "out", "--format", "tflite,c,json"]
    assert export(capsys, *args)[0] == 0
    target = tmp / "out" / "demo-trial-0.tflite"
    target.write_bytes(b"edited by hand")
    other = tmp / "out" / "demo-trial-0.h"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp / "out").iterdir()}

    code, out, err = export(capsys, *args)
    assert code == 2 and out == ""
    assert err == "tinynas-tui: out/demo-trial-0.tflite exists already (and 3 more); use --force to overwrite\n"
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp / "out").iterdir()}
    assert after == before  # nothing touched, no temporary file left

    code, out, err = export(capsys, *args, "--force")
    assert code == 0, err
    assert target.read_bytes() == models[0] and other.is_file()
    assert sorted(p.name for p in (tmp / "out").iterdir()) == sorted(before)  # no temporary file left


def test_a_study_name_cannot_lead_outside_the_output_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    make_study(tmp_path, name="../../evil", specs=TRIALS[:1])
    parents = [tmp_path.parent, tmp_path.parent.parent]
    outside = {p: set(p.iterdir()) for p in parents}
    before = files_under(tmp_path)
    code, out, err = export(capsys, "--out", "out", "--trial", "0")  # the only study: no --study needed
    assert code == 0, err
    new = files_under(tmp_path) - before
    assert new and all(p.parent == tmp_path / "out" or p == tmp_path / "out" for p in new)
    assert {p.name for p in new if p.is_file()} == {
        "evil-trial-0.tflite", "evil-trial-0.cc", "evil-trial-0.h", "evil-trial-0-params.json",
        "evil-trials.csv", "evil-report.md"}
    assert {p: set(p.iterdir()) for p in parents} == outside
    assert "# Export of study `../../evil`" in (tmp_path / "out" / "evil-report.md").read_text()


@pytest.mark.parametrize("name, safe", [
    ("mnist-5k-single-conv-quick", "mnist-5k-single-conv-quick"),
    ("../../etc", "etc"),
    ("..", "study"),
    ("/abs/path/x", "abs_path_x"),
    ("a\\b:c*d?e", "a_b_c_d_e"),
    ("v1.2 final", "v1.2_final"),
    (".hidden", "hidden"),
    ("-rf", "rf"),
    ("名前", "study"),
    ("x" * 300, "x" * 80),
])
def test_safe_name(name, safe):
    assert safe_name(name) == safe
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", safe) and ".." not in safe and not safe.startswith((".", "-"))


def test_a_symlink_pointing_outside_is_refused(demo, tmp_path):
    study, store, models, tmp = demo
    (tmp / "out").mkdir()
    (tmp / "elsewhere").mkdir()
    victim = tmp / "elsewhere" / "victim"
    victim.write_bytes(b"keep me")
    (tmp / "out" / "demo-trial-0.tflite").symlink_to(victim)
    with pytest.raises(UsageError, match=r"refusing to write out/demo-trial-0\.tflite: it resolves to .*victim, "
                                         r"outside out"):
        plan_export(study, store, [0], Path("out"), ("tflite",), Weights())
    assert victim.read_bytes() == b"keep me"


def test_two_studies_need_study_and_it_picks_one(demo, capsys):
    study, store, models, tmp = demo
    make_study(tmp, name="other", specs=TRIALS[:1])
    code, out, err = export(capsys, "--trial", "0", "--out", "out")
    assert code == 2
    assert err == ("tinynas-tui: storage sqlite:///tinynas-runs/tinynas.db holds 2 studies (demo, other): "
                   "choose one with --study NAME\n")
    code, out, err = export(capsys, "--study", "other", "--trial", "0", "--out", "out", "--format", "tflite")
    assert code == 0, err
    assert [p.name for p in (tmp / "out").iterdir()] == ["other-trial-0.tflite"]


def test_explicit_storage_and_runs_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    make_study(tmp_path, specs=TRIALS[:1])
    (tmp_path / "tinynas-runs").rename(tmp_path / "elsewhere")
    url = f"sqlite:///{tmp_path}/elsewhere/tinynas.db"
    code, out, err = export(capsys, "--storage", url, "--trial", "0", "--out", "o", "--format", "tflite")
    assert code == 0, err
    # A runs folder without the artifacts: the trial is skipped, and nothing is created there.
    code, out, err = export(capsys, "--storage", url, "--runs-dir", "missing", "--trial", "0", "--out", "p")
    assert code == 1 and "is missing from the artifact store at missing/artifacts (wrong --runs-dir?)" in out
    assert not (tmp_path / "missing").exists() and not (tmp_path / "p").exists()


# -- the API a UI uses ------------------------------------------------------------------------------


def test_plan_then_write(demo):
    study, store, models, tmp = demo
    out = tmp / "ui-out"
    plan = plan_export(study, store, (0, 2, 0), out, ("tflite", "c", "keras"), Weights())
    assert plan.trials == [0]
    assert list(plan.files) == ["demo-trial-0.tflite", "demo-trial-0.cc", "demo-trial-0.h"]
    assert [str(s) for s in plan.skipped] == [
        "trial 0: no .keras kept for this trial (run the study with keep_keras = true to keep them)",
        f"trial 2: failed (train: {NAN_REASON})"]
    assert plan.conflicts == [] and not out.exists()  # planning writes nothing
    written = write_export(plan)
    assert written == [out / name for name in plan.files]
    again = plan_export(study, store, [0], out, "tflite", None)
    assert again.conflicts == [out / "demo-trial-0.tflite"]
    with pytest.raises(UsageError, match="use --force"):
        write_export(again)
    assert write_export(again, force=True) == [out / "demo-trial-0.tflite"]


def test_budgets_other_than_the_studys_decide_the_rank_and_both_are_stated(demo):
    """An export from the UI passes the budgets its table ranks by: a trial over them is not within
    budgets, and params.json and the report say which budgets are in force and which the study stores."""
    from tinynas_tui.core.budgets import Budgets

    study, store, models, tmp = demo
    over, fits = 1, 0  # sizes 2.26 and 0.76 KB; both fit the study's 256 KB
    ui_budgets, weights = Budgets(max_flash_kb=2.0), Weights(100, 0.1, 0.1)
    plan = plan_export(study, store, [over, fits], tmp / "out", ("json", "md"), weights, budgets=ui_budgets)
    written = {p.name: p for p in write_export(plan)}
    info = {n: json.loads(written[f"demo-trial-{n}-params.json"].read_text()) for n in (over, fits)}
    assert info[over]["within_budgets"] is False and info[fits]["within_budgets"] is True
    assert info[over]["budgets"] == {"max_flash_kb": 2.0} and info[over]["study_budgets"] == BUDGETS
    assert info[over]["weights"] == "100,0.1,0.1"
    assert info[fits]["rank"] < info[over]["rank"]  # over a budget: ranked after every trial that fits
    report = written["demo-report.md"].read_text()
    assert "- **Budgets:** flash ≤ 2 KiB (in force for this export" in report
    assert "- **Study's budgets:** flash ≤ 256 KiB (stored with the study" in report
    assert "`100,0.1,0.1`" in report and "trials over a budget rank after all that fit" in report
    sizes = {n: len(models[n]) / 1024 for n in (over, fits)}
    assert f"- trial {over}: flash {sizes[over]:.1f} KiB, over the 2 KiB budget\n" in report
    assert f"- trial {fits}: flash {sizes[fits]:.1f} KiB, within 2 KiB\n" in report

    # No budgets in force, though the study has some: said as such, not as the study's.
    plan = plan_export(study, store, [over], tmp / "none", "json,md", weights, budgets=Budgets())
    written = {p.name: p for p in write_export(plan)}
    info = json.loads(written[f"demo-trial-{over}-params.json"].read_text())
    assert info["budgets"] == {} and info["within_budgets"] is True and info["study_budgets"] == BUDGETS
    report = written["demo-report.md"].read_text()
    assert "- **Budgets:** none (in force for this export" in report
    assert "trials over a budget rank after all that fit" not in report


def test_formats_and_selection_rules(demo):
    study = demo[0]
    assert parse_formats(None) == FORMATS == parse_formats("all")
    assert parse_formats("md, C,tflite,c") == ("tflite", "c", "md")
    assert parse_formats(["json"]) == ("json",)
    for bad in ("", "zip", "tflite,,x"):
        with pytest.raises(UsageError):
            parse_formats(bad)
    assert select_trials(study, numbers=[4, 0, 4]) == [4, 0]
    assert select_trials(study, pareto=True) == [0, 1]
    assert select_trials(study, best=2, weights=Weights()) == [1, 0]
    for kwargs in ({}, {"numbers": [0], "pareto": True}, {"pareto": True, "best": 1}):
        with pytest.raises(UsageError, match="exactly one"):
            select_trials(study, **kwargs)
    with pytest.raises(UsageError, match=r"^unknown trial 9 in study 'demo' \(it has trials 0-5\)$"):
        select_trials(study, numbers=[0, 9])


def test_pareto_of_a_study_without_complete_trials_is_refused(tmp_path):
    study, store, _ = make_study(tmp_path, specs=TRIALS[2:4])
    with pytest.raises(UsageError, match="has no complete trial"):
        select_trials(study, pareto=True)


def test_export_imports_no_tensorflow(demo):
    tmp = demo[3]
    code = (
        "import sys\n"
        "from tinynas_tui.cli.export import run_export\n"
        "code = run_export(['--trial', '0', '--out', 'o'])\n"
        "heavy = ('tensorflow', 'tf_keras', 'keras', 'tensorflow_model_optimization', 'ai_edge_litert', "
        "'tflite_micro', 'textual')\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "0 []"


# -- the C array ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, ident", [
    ("g_demo_trial_3_model", "g_demo_trial_3_model"),
    ("mnist-5k trial 3", "mnist_5k_trial_3"),
    ("3rd", "m_3rd"),
    ("__x__", "x"),
    ("", "model"),
    ("!!!", "model"),
    ("int", "int_"),
    ("données", "donn_es"),
])
def test_c_identifier(text, ident):
    assert c_identifier(text) == ident


def test_c_pair_without_a_measured_arena():
    source, header = tflite_to_c(b"\x01\x02\x03", "g_m", None, "m-trial-1")
    assert "G_M_ARENA_SIZE" in header and "#define G_M_ARENA_SIZE" not in header
    assert "was not measured" in header and "#define G_M_TFLITE_SIZE 3" in header
    assert "0x01, 0x02, 0x03\n};" in source and '#include "m-trial-1.h"' in source
    with pytest.raises(ValueError):
        tflite_to_c(b"", "g_m", None, "m")
    with pytest.raises(ValueError):
        tflite_to_c(b"\x01", "g_m", None, "../m")


C_MAIN = r"""
#include <stdint.h>
#include <stdio.h>
#include "HEADER"

int main(void) {
    printf("len %u\n", (unsigned) SYMBOL_len);
    printf("size %lu\n", (unsigned long) PREFIX_TFLITE_SIZE);
    printf("arena %lu\n", (unsigned long) PREFIX_ARENA_SIZE);
    printf("aligned %d\n", (int) (((uintptr_t) SYMBOL) % 16 == 0));
    for (unsigned i = 0; i < SYMBOL_len; ++i) printf("%02x", SYMBOL[i]);
    printf("\n");
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) on PATH")
def test_the_c_array_compiles_as_cpp_and_c_and_holds_the_model(demo, capsys):
    study, store, models, tmp = demo
    assert export(capsys, "--trial", "1", "--out", "out", "--format", "c,tflite")[0] == 0
    out = tmp / "out"
    model = (out / "demo-trial-1.tflite").read_bytes()
    header = (out / "demo-trial-1.h").read_text()
    source = (out / "demo-trial-1.cc").read_text()
    symbol = re.search(r"^extern const unsigned char (\w+)\[\];$", header, re.M).group(1)
    assert symbol == "g_demo_trial_1_model"
    assert f"#define G_DEMO_TRIAL_1_MODEL_ARENA_SIZE {study.trials[1].user_attrs['arena_bytes']}" in header
    assert re.search(rf"^const unsigned int {symbol}_len = {len(model)};$", source, re.M)
    assert all(len(line.split(", ")) <= 12 for line in source.splitlines() if line.startswith("    0x"))

    def run(*cmd):
        result = subprocess.run(cmd, cwd=out, capture_output=True, text=True, errors="replace")
        assert result.returncode == 0, (cmd, result.stderr)
        return result

    run("cc", "-Wall", "-Wextra", "-Werror", "-c", "demo-trial-1.cc", "-o", "as-cpp.o")  # .cc: C++
    run("cc", "-x", "c", "-std=c99", "-Wall", "-Wextra", "-Werror", "-c", "demo-trial-1.cc", "-o", "as-c99.o")
    run("cc", "-x", "c", "-Wall", "-Wextra", "-Werror", "-c", "demo-trial-1.cc", "-o", "as-c.o")
    main = (C_MAIN.replace("HEADER", "demo-trial-1.h").replace("SYMBOL", symbol)
            .replace("PREFIX", symbol.upper()))
    (out / "main.cc").write_text(main)
    (out / "main.c").write_text(main)
    programs = []
    if shutil.which("c++"):
        run("c++", "main.cc", "as-cpp.o", "-o", "prog-cpp")
        run("c++", "main.cc", "as-c.o", "-o", "prog-cpp-c")  # C++ caller, C object: extern "C" links
        programs += ["./prog-cpp", "./prog-cpp-c"]
    run("cc", "main.c", "as-c.o", "-o", "prog-c")
    programs.append("./prog-c")
    for program in programs:
        lines = run(program).stdout.splitlines()
        assert lines == [f"len {len(model)}", f"size {len(model)}", "arena 40960", "aligned 1", model.hex()]


# -- the real thing ---------------------------------------------------------------------------------


@pytest.mark.tf
def test_the_exported_tflite_gives_the_recorded_accuracy(tmp_path, monkeypatch, capsys):
    run = subprocess.run([sys.executable, "-m", "tinynas_tui", "--headless", "--trials", "1",
                          "--train-samples", "300", "--test-samples", "100"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    monkeypatch.chdir(tmp_path)
    code, out, err = export(capsys, "--trial", "0", "--out", "out", "--format", "tflite,c,json")
    assert code == 0, err

    from tinynas_tui.core.dataset_spec import DatasetSpec
    from tinynas_tui.pipeline.datasets import load_dataset
    from tinynas_tui.pipeline.measure import tflite_accuracy

    storage = "sqlite:///tinynas-runs/tinynas.db"
    (name,) = optuna.get_all_study_names(storage)
    study = optuna.load_study(study_name=name, storage=storage)
    trial = study.trials[0]
    model = (tmp_path / "out" / f"{safe_name(name)}-trial-0.tflite").read_bytes()
    stored = (tmp_path / "tinynas-runs" / "artifacts" / trial.user_attrs["artifacts"]["model.tflite"]).read_bytes()
    assert model == stored and len(model) == trial.user_attrs["tflite_bytes"]
    data = load_dataset(DatasetSpec.from_dict(study.user_attrs["dataset"]))
    assert len(data.x_test) == 100
    batch = study.user_attrs["pipeline"].get("eval_batch_size", 256)
    assert tflite_accuracy(model, data.x_test, data.y_test, batch_size=batch) == trial.values[0]
    header = (tmp_path / "out" / f"{safe_name(name)}-trial-0.h").read_text()
    assert re.search(rf"_ARENA_SIZE {trial.user_attrs['arena_bytes']}$", header, re.M)
    assert rf"_TFLITE_SIZE {len(model)}" in header


@pytest.mark.parametrize("artifact, exported", [("model.keras", ".keras"), ("model.h5", ".h5")])
def test_a_kept_keras_model_is_exported(tmp_path, monkeypatch, capsys, artifact, exported):
    monkeypatch.chdir(tmp_path)
    study, store, _ = make_study(tmp_path, specs=[])
    trial = study.ask()
    SINGLE_CONV.suggest(trial)
    ids = {}
    for name, data in (("model.tflite", fake_tflite(0, 2)), (artifact, b"keras model bytes " + exported.encode())):
        path = tmp_path / name
        path.write_bytes(data)
        ids[name] = upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
    trial.set_user_attr("artifacts", ids)
    trial.set_user_attr("arena_bytes", 2048)
    study.tell(trial, [0.9, 1.0, 1.0])
    code, out, _ = export(capsys, "--trial", "0", "--out", "out", "--format", "keras")
    assert code == 0, out
    assert (tmp_path / "out" / f"demo-trial-0{exported}").read_bytes() == (tmp_path / artifact).read_bytes()


def test_a_board_trial_exports_its_latency_and_an_ethos_u_trial_vela_s_model(tmp_path):
    target = resolve_storage(None, tmp_path / "tinynas-runs")
    storage = open_storage(target, heartbeat=None)
    board = {"board": "ethos-u55-128", "core": "cortex-m55", "clock_mhz": 500.0, "npu": "ethos-u55-128"}
    study = studies.create(storage, "npu", studies.StudyDefinition(SINGLE_CONV, PIPELINE, DATASET, {}, board), seed=0)
    store = open_artifact_store(target)
    trial = study.ask()
    SINGLE_CONV.suggest(trial)
    plain, compiled = fake_tflite(0, 2), b"\x1c\x00\x00\x00TFL3vela" + bytes(range(64))
    ids = {}
    for name, data in (("model.tflite", plain), ("model_vela.tflite", compiled)):
        path = tmp_path / name
        path.write_bytes(data)
        ids[name] = upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
    for key, value in {"artifacts": ids, "latency_board": "ethos-u55-128 (Ethos-U55 NPU by Vela, 500 MHz)",
                       "latency_cycles": 201_747, "host_latency_ms": 0.05, "arena_bytes": 51_840}.items():
        trial.set_user_attr(key, value)
    study.tell(trial, [0.9, len(plain) / 1024, 0.4035])
    plan = plan_export(study, store, [0], tmp_path / "out")
    written = {p.name: p for p in write_export(plan)}
    assert written["npu-trial-0-vela.tflite"].read_bytes() == compiled
    assert written["npu-trial-0.tflite"].read_bytes() == plain
    header = written["npu-trial-0.h"].read_text()
    assert "#define G_NPU_TRIAL_0_MODEL_EST_LATENCY_US 404" in header and "ethos-u55-128" in header
    assert f"#define G_NPU_TRIAL_0_MODEL_TFLITE_SIZE {len(compiled)}" in header  # the array is Vela's model
    info = json.loads(written["npu-trial-0-params.json"].read_text())
    assert info["latency"]["basis"] == "estimate" and info["latency"]["npu"] == "ethos-u55-128"
    assert info["latency"]["cycles"] == 201_747
    rows = list(csv.DictReader(io.StringIO(written["npu-trials.csv"].read_text())))
    assert rows[0]["latency_board"].startswith("ethos-u55-128") and rows[0]["latency_cycles"] == "201747"
    assert "estimated for ethos-u55-128" in written["npu-report.md"].read_text()


def test_a_study_made_by_the_trial_loop_exports_its_whole_figures_and_named_constraints(tmp_path, monkeypatch,
                                                                                          capsys):
    """Figures too long for a user attribute (the layers, three files' ids) are stored whole as system
    attributes, the budgets as Optuna's constraint list: the export reads both back."""
    from tinynas_tui.core.budgets import Budgets
    from tinynas_tui.core.space import Categorical, SearchSpace
    from tinynas_tui.executor.protocol import WorkerConfig
    from tinynas_tui.executor.trial_executor import ProcessTrialExecutor
    from tinynas_tui.search.loop import TrialLoop

    space = SearchSpace("fake", "single-conv", (Categorical("x", (3,)), Categorical("long", (True,))))
    budgets = Budgets(max_flash_kb=2.5, max_latency_ms=10.0)
    target = resolve_storage(None, tmp_path / "tinynas-runs")
    study = studies.create(open_storage(target), "loop", studies.StudyDefinition(
        space, {"name": "fake"}, {"name": "fake"}, budgets.to_dict()), seed=0)
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=str(tmp_path / "w.log"))
    with ProcessTrialExecutor(config) as ex:
        TrialLoop(study, space, ex, open_artifact_store(target), budgets=budgets).run(1)
    (trial,) = study.trials
    assert "tinynas:artifacts" in trial.system_attrs and "artifacts" not in trial.user_attrs  # 3 ids: too long
    monkeypatch.chdir(tmp_path)
    code, out, err = export(capsys, "--trial", "0", "--out", "out", "--format", "tflite,keras,json")
    assert code == 0, err
    assert (tmp_path / "out" / "loop-trial-0.tflite").read_bytes() == b"TFL3" * 8
    assert (tmp_path / "out" / "loop-trial-0.keras").read_bytes() == b"model.keras" * 4
    info = json.loads((tmp_path / "out" / "loop-trial-0-params.json").read_text())
    assert info["constraints"] == {"flash_kb": 0.5, "latency_ms": -8.5}
    assert info["within_budgets"] is False
    assert len(info["metrics"]["layers"]) == 40 and info["metrics"]["layers"][0]["type"] == "Conv2D"
    assert set(info["artifacts"]) == {"model.tflite", "model.keras", "extra.bin"}


def test_an_older_studys_named_constraints_still_export_by_name(demo, capsys):
    study, store, models, tmp = demo
    old = study.ask()
    SINGLE_CONV.suggest(old)
    old.set_constraint("flash_kb", -12.0)  # how trials were recorded before the constraint list
    data = fake_tflite(old.number, 2)
    (tmp / "m.tflite").write_bytes(data)
    old.set_user_attr("artifacts", {"model.tflite": upload_artifact(artifact_store=store, file_path=str(tmp / "m.tflite"),
                                                                    study_or_trial=old)})
    study.tell(old, [0.5, len(data) / 1024, 1.0])
    code, out, err = export(capsys, "--trial", str(old.number), "--out", "out", "--format", "json")
    assert code == 0, err
    info = json.loads((tmp / "out" / f"demo-trial-{old.number}-params.json").read_text())
    assert info["constraints"] == {"flash_kb": -12.0}
