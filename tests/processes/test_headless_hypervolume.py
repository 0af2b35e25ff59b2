"""The headless run ends with the study's hypervolume and its reference, which a resume never changes."""

from __future__ import annotations

import os

from cli_processes import TESTS_DIR, load_study, run_cli

from tinynas_tui.core.hypervolume import ATTR, Reference

FAKE = {"TINYNAS_TRIAL_ENTRY": "fake_trials",
        "PYTHONPATH": os.pathsep.join(filter(None, (TESTS_DIR, os.environ.get("PYTHONPATH"))))}


def test_the_run_ends_with_the_hypervolume_and_a_resume_keeps_its_reference(tmp_path):
    first = run_cli(tmp_path, "--trials", "2", "--max-flash-kb", "100", "--max-latency-ms", "10", env=FAKE)
    assert first.returncode == 0, first.stderr
    last = _last_line(first.stdout)
    # fake trials: accuracy 0.1, size 1 KiB, latency 0.5 ms: 0.1 x (1 - 1/100) x (1 - 0.5/10).
    assert last == (f"Hypervolume: {0.1 * 0.99 * 0.95:.4f} "
                    "(reference: size 100 KiB, latency 10 ms, from the budgets)")
    stored = load_study(tmp_path).user_attrs[ATTR]
    assert Reference.from_dict(stored) == Reference(100, 10, "budgets", "budgets")

    # The study's budgets can change later (the UI applies new ones); the reference stays.
    study = load_study(tmp_path)
    study.set_user_attr("budgets", {"max_flash_kb": 50.0})
    again = run_cli(tmp_path, "--trials", "1", env=FAKE)
    assert again.returncode == 0, again.stderr
    assert _last_line(again.stdout) == last
    assert load_study(tmp_path).user_attrs[ATTR] == stored



def _last_line(stdout: str) -> str:
    """The run's last line (`run_cli`'s child prints a check of its own after it)."""
    return [line for line in stdout.splitlines() if line and not line.startswith("TF-FREE-PARENT")][-1]
