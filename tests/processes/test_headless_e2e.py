"""Real headless runs with TensorFlow on tiny data: output, measurements, resume, faults, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import psutil
import pytest
from cli_processes import TINY, faults_env, load_study, run_cli, wait_for

from tinynas_tui.latency.estimate import estimate_tflite
from tinynas_tui.core import figures, stored_figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.search import constraints

pytestmark = pytest.mark.tf

LINE = re.compile(r"^Trial +(\d+): acc=(\d\.\d{4}), size= *(\d+\.\d)KB, latency= *(\d+\.\d{2})ms$")


def test_headless_run_measures_everything_then_resumes(tmp_path):
    first = run_cli(tmp_path, "--trials", "2", *TINY)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert "TF-FREE-PARENT []" in lines
    trial_lines = [LINE.match(l) for l in lines if l.startswith("Trial ")]
    assert [m.group(1) for m in trial_lines if m] == ["0", "1"]
    assert "BEST TRIALS (sorted by weighted score)" in lines and "=" * 60 in lines
    assert any(l.startswith("#1: acc=") for l in lines) and "Parameters:" in lines
    assert any(re.match(r"^  lr: [0-9.e-]+$", l) for l in lines)

    study = load_study(tmp_path)
    for t in study.trials:
        acc, size_kb, latency_ms = t.values
        a = stored_figures.of_trial(t)  # long figures (the layers) are whole in system attributes
        # A random configuration after one epoch on 300 images may still be near chance, so plausibility
        # is bounds plus agreement of the int8 model with the float model it came from.
        assert 0.0 <= acc <= 1.0 and 0.0 <= a["float_accuracy"] <= 1.0
        assert abs(acc - a["float_accuracy"]) < 0.1  # int8 costs little accuracy
        assert a["fully_int8"] is True and a["input_dtype"] == "int8"
        assert 0 < a["host_latency_ms"] < 100  # LiteRT on this CPU, recorded beside
        assert a["macs"] > 0 and a["params"] > 0 and a["arena_bytes"] > 1000
        artifact = tmp_path / "tinynas-runs" / "artifacts" / a["artifacts"]["model.tflite"]
        blob = artifact.read_bytes()
        assert blob[4:8] == b"TFL3" and len(blob) == a["tflite_bytes"] and size_kb == len(blob) / 1024
        # The latency objective is the estimate of that very model on the default board.
        assert latency_ms == pytest.approx(estimate_tflite(blob, "cortex-m4", 64).latency_ms)
        assert a["latency_board"] == "m4-1m (Cortex-M4, 64 MHz)"
        # The dense layer dominates: size tracks the parameter count (int8: ~1 byte a weight).
        assert 0.8 * a["params"] < len(blob) < 1.5 * a["params"] + 20_000
        assert set(a["timings"]) == {"build", "preflight", "train", "evaluate", "convert", "measure"}
        assert a["est_weight_bytes"] <= a["tflite_bytes"]  # the pre-flight bound is a lower bound
        assert [row["type"] for row in a["layers"]][:2] == ["Conv2D", "MaxPooling2D"]

    again = run_cli(tmp_path, "--trials", "1", *TINY)
    assert again.returncode == 0, again.stderr
    assert "2 trials so far" in again.stdout
    assert [m.group(1) for m in map(LINE.match, again.stdout.splitlines()) if m] == ["2"]
    assert [t.number for t in load_study(tmp_path).trials] == [0, 1, 2]


def test_crash_hang_nan_and_memory_fail_their_trial_and_the_study_goes_on(tmp_path):
    result = run_cli(tmp_path, "--trials", "6", "--trial-timeout", "25", "--trial-memory-mb", "1500", *TINY,
                     env=faults_env("1:crash,2:hang,3:nan,4:oom"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^Trial  1: FAIL at worker: worker process crashed \(SIGSEGV\)", out, re.M)
    assert re.search(r"^Trial  2: FAIL at timeout: timed out after 25 s$", out, re.M)
    assert re.search(r"^Trial  3: FAIL at train: loss became NaN at epoch 1", out, re.M)
    assert re.search(r"^Trial  4: FAIL at memory: the worker used \d+ MB, over the 1500 MB limit$", out, re.M)
    assert [m.group(1) for m in map(LINE.match, out.splitlines()) if m] == ["0", "5"]
    trials = load_study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "FAIL", "FAIL", "FAIL", "FAIL", "COMPLETE"]
    assert "TF-FREE-PARENT []" in out


def test_ctrl_c_marks_the_running_trial_failed_and_leaves_no_process(tmp_path):
    env = {**os.environ, **faults_env("1:hang")}
    proc = subprocess.Popen([sys.executable, "-m", "tinynas_tui", "--headless", "--trials", "3", *TINY],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        # Trial 0 completes, then trial 1 hangs inside the worker: interrupt it there.
        log = tmp_path / "tinynas-runs" / "logs" / "worker.log"
        marker = "test hook: injecting hang into trial 1"
        wait_for(lambda: log.is_file() and marker in log.read_text(errors="replace"), what="the hang")
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Interrupted: trial 1 marked FAIL (interrupted); 1 complete trials kept" in out
    assert "Traceback" not in err
    trials = load_study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "FAIL"]
    assert trials[1].user_attrs["fail_reason"] == "interrupted by the user"
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_grid_sampler_with_a_board_target(tmp_path):
    result = run_cli(tmp_path, "--space", "blocks", "--sampler", "grid", "--target", "m0plus-256k",
                     "--trials", "2", *TINY)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Grid: 216 combinations, 162 distinct models (dense_units unused when n_dense is 0); 162 still to run" in out
    assert "Budgets: max_flash_kb 256, max_ram_kb 32" in out
    study = load_study(tmp_path)
    done = [t for t in study.trials if t.state.name != "WAITING"]
    assert [t.number for t in done] == [0, 1] and len(study.trials) == 162
    # The first grid points in space order, with their budgets recorded as constraints.
    assert done[0].params == {"n_blocks": 1, "layers_per_block": 1, "init_filters": 16, "n_dense": 0,
                              "separable": False, "batch_norm": False}
    for t in done:
        if t.state.name == "COMPLETE":
            # As the list both Optuna and optuna-dashboard read, in the order of the budgets' names.
            assert len(t.system_attrs["constraints"]) == 2 and len(t.constraints) == 2
            assert set(constraints.named(t.system_attrs, Budgets(256, 32))) == {"flash_kb", "ram_kb"}
    # Every user attribute of a real trial fits a cell of optuna-dashboard's trial table; the layer
    # summary is one line there, and whole where the UI's detail and the exports read it.
    for t in done:
        assert all(len(stored_figures.shown(v)) <= stored_figures.MAX_SHOWN for v in t.user_attrs.values()), t.user_attrs
        layers = stored_figures.of_trial(t)[figures.LAYERS]
        assert [row["type"] for row in layers][:2] == ["Conv2D", "MaxPooling2D"]
        assert t.user_attrs[figures.LAYERS] == stored_figures.layers_line(layers)
        if t.state.name == "COMPLETE":  # where it trained: this machine has no GPU
            assert t.user_attrs[figures.TRAINED_ON] == "CPU"


def test_two_jobs_run_two_trials_at_once(tmp_path):
    result = run_cli(tmp_path, "--trials", "4", "--jobs", "2", *TINY)
    assert result.returncode == 0, result.stderr
    assert sorted(int(m.group(1)) for m in map(LINE.match, result.stdout.splitlines()) if m) == [0, 1, 2, 3]
    trials = load_study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 4
    spans = sorted((t.datetime_start, t.datetime_complete) for t in trials)
    assert any(later_start < earlier_end for (_, earlier_end), (later_start, _) in zip(spans, spans[1:]))
    assert "TF-FREE-PARENT []" in result.stdout
