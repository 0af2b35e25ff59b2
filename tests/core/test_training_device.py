"""Where a run's trials train, as the header says it: from the options, or short from a trial's record."""

from __future__ import annotations

import pytest

from tinynas_tui.core.training_device import from_options, from_trained_on


def test_the_options_say_it_or_nothing():
    assert from_options((0, 1), cpu=False) == "GPUs 0,1"
    assert from_options((2,), cpu=False) == "GPU 2"
    assert from_options((), cpu=True) == "CPU"
    assert from_options((), cpu=False) is None


@pytest.mark.parametrize("recorded, shown", [
    ("GPU 1 (NVIDIA H200)", "GPU 1 (H200)"),
    ("GPU 0 (NVIDIA GeForce RTX 4090)", "GPU 0 (RTX 4090)"),
    ("GPU 0 (Tesla V100-SXM2-16GB)", "GPU 0 (V100-SXM2-16GB)"),
    ("GPU 3 (NVIDIA A100-SXM4-80GB-with-a-long-suffix)", "GPU 3 (A100-SXM4-80GB-…)"),
    ("GPU 0 (NVIDIA)", "GPU 0 (NVIDIA)"),  # nothing but the vendor: kept
    ("GPU 0", "GPU 0"),
    ("CPU", "CPU"),
])
def test_a_trial_record_is_shortened(recorded, shown):
    assert from_trained_on(recorded) == shown


@pytest.mark.parametrize("recorded", [None, "", "  ", 3, {"gpu": 0}])
def test_no_text_says_nothing(recorded):
    assert from_trained_on(recorded) is None
