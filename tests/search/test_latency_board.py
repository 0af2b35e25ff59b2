"""The board a study's latency is estimated for is part of its definition; a study made before board
latency resumes as it was, with the host CPU's latency."""

from __future__ import annotations

import optuna
import pytest

from tinynas_tui.core.boards import LatencyBoard
from tinynas_tui.core.pipeline_config import PRESETS
from tinynas_tui.core.space import SINGLE_CONV
from tinynas_tui.errors import UsageError
from tinynas_tui.run.headless import latency_basis
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.run.setup import make_executor, open_run


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_new_study_stores_the_default_board_and_its_workers_estimate_for_it(workdir):
    run = open_run(validate(RunOptions(study="new")))
    assert run.study.user_attrs["latency"] == {"board": "m4-1m", "core": "cortex-m4", "clock_mhz": 64.0}
    assert run.latency == LatencyBoard("m4-1m", "cortex-m4", 64.0) and run.budgets.to_dict() == {}
    assert make_executor(run).members[0].config.latency == run.study.user_attrs["latency"]
    assert latency_basis(run) == "latency estimated for m4-1m (Cortex-M4, 64 MHz)"


def test_a_named_board_or_core_is_stored_and_a_different_one_refused_on_resume(workdir):
    run = open_run(validate(RunOptions(study="h7", target="stm32h743")))
    assert run.latency.core == "cortex-m7" and run.budgets.max_flash_kb == 2048
    custom = open_run(validate(RunOptions(study="any", core="cortex-m33", clock_mhz=96)))
    assert custom.latency == LatencyBoard("cortex-m33@96MHz", "cortex-m33", 96.0) and custom.budgets.to_dict() == {}
    with pytest.raises(UsageError, match="different latency board"):
        open_run(validate(RunOptions(study="any", core="cortex-m33", clock_mhz=120)))
    assert open_run(validate(RunOptions(study="any"))).latency == custom.latency  # left out: resumed as it was


def test_a_study_made_before_board_latency_resumes_with_host_latency(workdir):
    storage = "sqlite:///tinynas-runs/tinynas.db"
    (workdir / "tinynas-runs").mkdir()
    old = optuna.create_study(storage=storage, study_name="old", directions=["maximize", "minimize", "minimize"])
    old.set_metric_names(["accuracy", "size_kb", "latency_ms"])
    # What the previous release stored: no "latency" attribute at all.
    for key, value in (("space", SINGLE_CONV.to_dict()), ("pipeline", PRESETS["quick"].to_dict()),
                       ("dataset", {"name": "mnist-5k", "train_samples": None, "test_samples": None, "seed": 0}),
                       ("budgets", {}), ("sampler", "tpe")):
        old.set_user_attr(key, value)
    run = open_run(validate(RunOptions(study="old")))
    assert run.latency is None and "latency" not in run.study.user_attrs
    assert make_executor(run).members[0].config.latency == {}
    assert latency_basis(run) == "latency measured on this host CPU (LiteRT, one thread) (the study predates board latency)"
    with pytest.raises(UsageError, match="different latency board"):
        open_run(validate(RunOptions(study="old", core="cortex-m4", clock_mhz=64)))


def test_a_dynamic_range_pipeline_has_no_board(workdir):
    run = open_run(validate(RunOptions(study="dyn", quantization="dynamic")))
    assert run.latency is None and run.study.user_attrs["latency"] == {}
    assert "does not quantize to int8" in latency_basis(run)
    with pytest.raises(UsageError, match="needs full-integer quantization"):
        validate(RunOptions(study="dyn2", quantization="dynamic", target="m4-1m"))
