"""A real zip bomb ``.npz`` (4.6 MB that unpacks to 1 GB, 4 GB as float32 images): refused from its headers,
in one line that says how much memory it needs and which option to raise, without unpacking it (issue 14,
item 9). Before, the CLI's parent unpacked it whole to check it (1.06 GB peak RSS) and accepted it; the worker
then took several times that."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from npz_bomb import write_bomb

from tinynas_tui.core.dataset_memory import worker_need_mb
from tinynas_tui.core.npz_dataset import npz_layout

# Runs the CLI in a child and appends the child's peak resident memory (kB) to the file TEST_HWM names.
CHILD = (
    "import os, sys\n"
    "from tinynas_tui.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]\n"
    "open(os.environ['TEST_HWM'], 'w').write(peak)\n"
    "sys.exit(code)\n"
)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    write_bomb(path, 7000, (224, 224, 3))
    assert path.stat().st_size < 8 * 2**20
    return path


def _run(cwd, *args):
    hwm = cwd / "hwm.txt"
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "TEST_HWM": str(hwm)})
    peak_mb = int(hwm.read_text()) / 1024
    hwm.unlink()
    return done, peak_mb


def test_the_headers_give_the_unpacked_size(bomb):
    need, raw, floats = worker_need_mb(npz_layout(bomb))
    pixels = (7000 + 10) * 224 * 224 * 3
    assert raw * 2**20 == pixels + (7000 + 10) * 8  # uint8 images, int64 labels
    assert floats * 2**20 == pixels * 4
    assert need > 8192
    assert worker_need_mb(npz_layout(bomb), train_samples=100)[2] * 2**20 == (100 + 10) * 224 * 224 * 3 * 4


@pytest.mark.parametrize("ui", [False, True], ids=["headless", "ui"])
def test_a_zip_bomb_is_refused_in_one_line_without_unpacking_it(bomb, tmp_path, ui):
    before = sorted(tmp_path.iterdir())
    done, peak_mb = _run(tmp_path, *([] if ui else ["--headless"]), "--dataset", str(bomb))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert "its arrays take 1,006 MB unpacked and 4,025 MB as float32 images, so a trial worker needs about" \
        in done.stderr
    assert "over --trial-memory-mb 8192; raise --trial-memory-mb to" in done.stderr
    assert peak_mb < 300, f"the check took {peak_mb:.0f} MB: it unpacked the data"
    assert sorted(tmp_path.iterdir()) == before  # no runs folder, no database


def test_the_refusal_names_the_memory_that_is_enough(bomb, tmp_path):
    done, _ = _run(tmp_path, "--headless", "--dataset", str(bomb), "--trial-memory-mb", "2048")
    needed = int(done.stderr.split("raise --trial-memory-mb to ")[1].split()[0])
    check = ("from tinynas_tui.run.options import RunOptions, validate\n"
             f"validate(RunOptions(dataset={str(bomb)!r}, trial_memory_mb={needed}))\n")
    accepted = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert accepted.returncode == 0, accepted.stderr


def test_resuming_a_study_whose_file_became_a_bomb_is_refused(bomb, tmp_path):
    """The limit is checked again when a study is resumed without --dataset: its file may have changed."""
    import shutil

    import numpy as np
    from cli_processes import TESTS_DIR, load_study, run_cli

    rng = np.random.default_rng(0)
    data = tmp_path / "data.npz"
    np.savez(data, x_train=rng.integers(0, 256, (20, 8, 8), np.uint8), y_train=np.arange(20) % 2,
             x_test=rng.integers(0, 256, (6, 8, 8), np.uint8), y_test=np.arange(6) % 2)
    fake = {"TINYNAS_TRIAL_ENTRY": "fake_trials",
            "PYTHONPATH": os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH"))))}
    first = run_cli(tmp_path, "--dataset", str(data), "--study", "s", "--trials", "1", env=fake, timeout=120)
    assert first.returncode == 0, first.stderr
    shutil.copy(bomb, data)
    again = run_cli(tmp_path, "--study", "s", "--trials", "1", env=fake, timeout=120)
    assert again.returncode == 2 and again.stderr.count("\n") == 1, again.stderr
    assert "data.npz: its arrays take 1,006 MB unpacked" in again.stderr
    assert len(load_study(tmp_path, "s").trials) == 1  # no trial was added
