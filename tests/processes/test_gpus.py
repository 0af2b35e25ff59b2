"""``--gpus``: each ``--jobs`` worker sees only its own GPU and grows its memory as needed; the parent
never imports TensorFlow to find out about GPUs.

This machine has no GPU, so what is checked is what each worker is given (its environment, read back
from inside the real spawned worker), not training on one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinynas_tui.executor.group import gpus_per_worker
from tinynas_tui.pipeline.devices import describe

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent


@pytest.mark.parametrize("jobs, gpus, expected", [
    (4, (0, 1), ["0", "1", "0", "1"]),
    (3, (2,), ["2", "2", "2"]),
    (1, (3, 1), ["3"]),
    (2, (), [None, None]),
])
def test_workers_are_dealt_round_robin_over_the_gpus(jobs, gpus, expected):
    assert gpus_per_worker(jobs, gpus) == expected


def test_the_gpu_is_named_by_the_machines_ordinal_not_tensorflows():
    class FakeGpu:
        name = "/physical_device:GPU:0"

    assert describe(FakeGpu(), "NVIDIA H200", "3,4") == "GPU 3 (NVIDIA H200)"
    assert describe(FakeGpu(), None, None) == "GPU 0"


# Opens a real study, makes the run's executors and runs one fake trial on each worker; prints what each
# worker's environment held, and whether this (parent) process has imported TensorFlow.
PROBE = """
import json, sys
from tinynas_tui.run.options import RunOptions, validate
from tinynas_tui.run.setup import make_executor, open_run
run = open_run(validate(RunOptions(storage=sys.argv[1], jobs=3, gpus=(0, 1), space="blocks")))
group = make_executor(run, entry="fake_trials")
envs = []
try:
    for i, member in enumerate(group.members):
        envs.append(member.run(i, {}, lambda event: None).metrics["env"])
finally:
    group.close()
print(json.dumps({"envs": envs, "given": [m.config.visible_gpus for m in group.members],
                  "tensorflow": any(m.split(".")[0] in ("tensorflow", "tf_keras") for m in sys.modules)}))
"""


def test_each_worker_sees_only_its_gpu_with_memory_growth_and_the_parent_imports_no_tensorflow(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "TF_FORCE_GPU_ALLOW_GROWTH")}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(REPO)])
    done = subprocess.run([sys.executable, "-c", PROBE, f"sqlite:///{tmp_path / 'gpus.db'}"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["given"] == ["0", "1", "0"]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in out["envs"]] == ["0", "1", "0"]
    assert {e["TF_FORCE_GPU_ALLOW_GROWTH"] for e in out["envs"]} == {"true"}
    assert out["tensorflow"] is False


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinynas_tui", "--headless", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.parametrize("args, says", [
    (("--gpus", "0,x"), "expected GPU numbers separated by commas (e.g. 0,1), got '0,x'"),
    (("--gpus", "0", "--cpu"), "--gpus and --cpu contradict each other"),
])
def test_bad_gpu_options_are_refused_in_one_line(tmp_path, args, says):
    done = run_cli("--storage", f"sqlite:///{tmp_path / 'x.db'}", *args)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.db").exists()
