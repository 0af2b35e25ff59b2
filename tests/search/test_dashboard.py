"""A study made by the trial loop, read through optuna-dashboard's own web API (its WSGI app).

What the dashboard shows is what its ``/api/studies/<id>`` answer holds: each trial's constraints (its
plots split feasible from infeasible trials with them), artifacts and user attributes; its artifact
route serves a trial's files from the artifact store it was started with (``--artifact-dir``).
"""

from __future__ import annotations

import json
import uuid
from wsgiref.util import setup_testing_defaults

import optuna
import pytest
from optuna.artifacts import FileSystemArtifactStore, download_artifact

from tinynas_tui.core import figures, stored_figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import dominates
from tinynas_tui.core.space import Categorical, SearchSpace
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.executor.protocol import WorkerConfig
from tinynas_tui.executor.trial_executor import ProcessTrialExecutor
from tinynas_tui.search import study as studies
from tinynas_tui.search.loop import TrialLoop
from tinynas_tui.search.storage import DatabaseArtifactStore, open_artifact_store, open_storage, resolve_storage
from tinynas_tui.search.trial_reader import read_study, read_trial

optuna_dashboard = pytest.importorskip("optuna_dashboard")
optuna.logging.set_verbosity(optuna.logging.ERROR)

LONG_REASON = "Keras: " + "the input is too small for this kernel; " * 9  # ~370 characters, as Keras writes
SPACE = SearchSpace("fake", "single-conv", (Categorical("x", (1, 2, 3, 4)), Categorical("fail", ("", LONG_REASON)),
                                            Categorical("long", (False, True))))
BUDGETS = Budgets(max_flash_kb=2.5, max_latency_ms=10.0)  # fake trials: size_kb = x, latency_ms = x / 2
MODEL = b"TFL3" * 8  # what a fake trial stores as its model.tflite


def _run_study(url, runs, tmp_path):
    """Trials x = 1..4 (x = 2 with real-length figures), then one failing with a long reason."""
    target = resolve_storage(url, runs)
    storage = open_storage(target)
    definition = studies.StudyDefinition(SPACE, {"name": "fake"}, {"name": "fake"}, BUDGETS.to_dict())
    study = studies.create(storage, f"dash-{uuid.uuid4().hex[:6]}", definition, seed=0)
    for x in (1, 2, 3, 4):
        study.enqueue_trial({"x": x, "fail": "", "long": x == 2})
    study.enqueue_trial({"x": 1, "fail": LONG_REASON, "long": False})
    config = WorkerConfig(entry="fake_trials", scratch_dir=str(tmp_path), log_path=str(tmp_path / "w.log"))
    store = open_artifact_store(target, storage)
    with ProcessTrialExecutor(config) as ex:
        TrialLoop(study, SPACE, ex, store, budgets=BUDGETS).run(5)
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 4 + ["FAIL"]
    return storage, study


@pytest.fixture(scope="module")
def sqlite_study(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dash")
    storage, study = _run_study(None, tmp / "tinynas-runs", tmp)
    return tmp, storage, study


def _get(app, path):
    """(status, body) of one GET through the dashboard's WSGI app."""
    environ = {"PATH_INFO": path, "QUERY_STRING": ""}
    setup_testing_defaults(environ)
    status = []
    body = b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    return status[0], body


def _detail(app, study):
    status, body = _get(app, f"/api/studies/{study._study_id}")
    assert status.startswith("200"), body[:200]
    return {t["number"]: t for t in json.loads(body)["trials"]}


def _dashboard(tmp):
    """What ``optuna-dashboard sqlite:///tinynas-runs/tinynas.db --artifact-dir tinynas-runs/artifacts`` serves."""
    runs = tmp / "tinynas-runs"
    store = FileSystemArtifactStore(str(runs / "artifacts"))  # the dashboard's CLI builds exactly this
    return optuna_dashboard.wsgi(f"sqlite:///{runs / 'tinynas.db'}", artifact_store=store), store


# -- item 15: budgets reach the dashboard as constraints -------------------------------------------------

def test_the_dashboard_reads_each_trials_budgets_and_splits_off_the_infeasible(sqlite_study):
    tmp, _, study = sqlite_study
    trials = _detail(_dashboard(tmp)[0], study)
    for t in study.trials[:4]:
        x = t.params["x"]
        assert trials[t.number]["constraints"] == [pytest.approx(x - 2.5), pytest.approx(x / 2 - 10.0)]
    # The dashboard's rule (its bundle: constraints.every(c => c <= 0)) and its Pareto plot's front,
    # which it draws from the feasible trials only.
    feasible = {n for n, t in trials.items() if t["state"] == "Complete" and all(c <= 0 for c in t["constraints"])}
    assert feasible == {0, 1}  # x = 3 and x = 4 are over the 2.5 KB flash budget
    points = {n: trials[n]["values"] for n in feasible}  # accuracy up, size and latency down, as `dominates`
    front = {n for n, v in points.items() if not any(dominates(w, v) for m, w in points.items() if m != n)}
    assert front == {t.number for t in study.best_trials}  # the same best trials as Optuna's


def test_optuna_reads_the_same_constraints_once_each(sqlite_study):
    _, _, study = sqlite_study
    complete = study.trials[:4]
    # Two budgets, two values: no second copy that would double TPE's and NSGA-II's violation sums.
    assert [len(t.constraints) for t in complete] == [2, 2, 2, 2]
    assert {t.number for t in study.best_trials} == {0, 1}
    assert all(sum(v for v in t.constraints.values() if v > 0) == pytest.approx(t.params["x"] - 2.5)
               for t in complete[2:])


# -- item 16: the trial's files through the dashboard and optuna.artifacts --------------------------------

def _artifacts_served(app, store, study, tmp):
    trials = _detail(app, study)
    for t in study.trials[:4]:
        ids = stored_figures.of_trial(t)[figures.ARTIFACTS]
        listed = {a["artifact_id"]: a for a in trials[t.number]["artifacts"]}
        assert set(listed) == set(ids.values())
        model_id = ids["model.tflite"]
        status, body = _get(app, f"/artifacts/{study._study_id}/{t._trial_id}/{model_id}")
        assert status.startswith("200") and body == MODEL
        path = tmp / f"download-{t.number}.tflite"
        download_artifact(artifact_store=store, file_path=str(path), artifact_id=model_id)
        assert path.read_bytes() == body
    return trials


def test_the_dashboard_lists_and_serves_each_trials_files_with_artifact_dir(sqlite_study):
    tmp, _, study = sqlite_study
    app, store = _dashboard(tmp)
    trials = _artifacts_served(app, store, study, tmp)
    assert len(trials[1]["artifacts"]) == 3  # model.tflite, model.keras, extra.bin
    # Without --artifact-dir the dashboard lists the files but cannot serve them.
    bare = optuna_dashboard.wsgi(f"sqlite:///{tmp / 'tinynas-runs' / 'tinynas.db'}")
    model_id = stored_figures.of_trial(study.trials[0])[figures.ARTIFACTS]["model.tflite"]
    status, _ = _get(bare, f"/artifacts/{study._study_id}/{study.trials[0]._trial_id}/{model_id}")
    assert status.startswith("400")


def test_on_postgresql_the_dashboard_serves_the_files_from_the_database_table(postgres_url, tmp_path):
    _, study = _run_study(postgres_url, tmp_path / "runs", tmp_path)
    assert not (tmp_path / "runs" / "artifacts").exists()  # no shared folder: the files are in the database
    # The README's way: the dashboard started from Python with this project's store of that table.
    storage = optuna.storages.RDBStorage(postgres_url)
    store = DatabaseArtifactStore(storage.engine, create=False)
    _artifacts_served(optuna_dashboard.wsgi(storage, artifact_store=store), store, study, tmp_path)


# -- item 17: short user attributes; the whole figures where the UI and exports read them -----------------

def test_every_user_attribute_fits_a_table_cell_and_the_whole_figures_read_back(sqlite_study):
    tmp, storage, study = sqlite_study
    trials = _detail(_dashboard(tmp)[0], study)
    for t in trials.values():
        for attr in t["user_attrs"]:
            assert len(attr["value"]) <= stored_figures.MAX_SHOWN, attr
    long = study.trials[1]
    whole = stored_figures.of_trial(long)
    assert len(whole[figures.LAYERS]) == 40 and whole[figures.LAYERS][0]["type"] == "Conv2D"
    assert long.user_attrs[figures.LAYERS] == stored_figures.layers_line(whole[figures.LAYERS])
    assert long.user_attrs[figures.LAYERS].startswith("conv/17 → bn → relu → maxpool → conv/17")
    assert set(whole[figures.ARTIFACTS]) == {"model.tflite", "model.keras", "extra.bin"}
    assert whole[figures.ARENA_ERROR].startswith("TFLM: ") and len(whole[figures.ARENA_ERROR]) > 300
    failed = study.trials[4]
    assert failed.user_attrs[figures.FAIL_REASON] == LONG_REASON[: stored_figures.MAX_SHOWN - 1] + "…"
    # The UI's three reads (a poll, the bulk read, the detail's one trial) and the export's all see the whole.
    by_poll = TrialRecord.from_frozen(long)
    by_bulk = read_study(storage, study._study_id).records[1]
    by_detail = read_trial(storage, long._trial_id)
    for record in (by_poll, by_bulk, by_detail):
        assert record.attrs[figures.LAYERS] == whole[figures.LAYERS]
        assert record.attrs[figures.ARTIFACTS] == whole[figures.ARTIFACTS]
    assert read_trial(storage, failed._trial_id).reason == f"train: {LONG_REASON}"
    # The summary read the table uses holds only the short forms, as before.
    summary = read_study(storage, study._study_id, summary=True).records[4]
    assert summary.attrs[figures.FAIL_REASON].endswith("…")


def test_a_figure_written_whole_then_short_reads_short():
    from tinynas_tui.search.loop import set_user_attrs

    storage = optuna.storages.RDBStorage("sqlite://")
    study = optuna.create_study(storage=storage, directions=["maximize"] * 3)
    trial = study.ask()
    set_user_attrs(trial, {figures.FAIL_REASON: "z" * 300})
    set_user_attrs(trial, {figures.FAIL_REASON: "short"})
    frozen = study.tell(trial, [1.0, 1.0, 1.0])
    assert stored_figures.of_trial(frozen)[figures.FAIL_REASON] == "short"
    assert read_study(storage, study._study_id).records[0].attrs[figures.FAIL_REASON] == "short"
