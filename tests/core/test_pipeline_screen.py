"""The multi-fidelity screen's settings: refused where they contradict the pipeline, listed when on."""

import re

import pytest

from tinynas_tui.core.pipeline_config import PRESETS, PipelineConfig
from tinynas_tui.errors import UsageError


def test_screen_runs_before_training_and_its_settings_show_only_when_on():
    on = PipelineConfig(epochs=3, screen=True)
    assert on.stages == ("build", "preflight", "screen", "train", "evaluate", "convert", "measure")
    assert {"screen_epochs", "screen_validation", "screen_slack", "screen_min_peers"} <= set(on.used_settings())
    assert "screen_epochs" not in PipelineConfig().used_settings()


@pytest.mark.parametrize("settings, message", [
    ({"epochs": 1, "screen": True}, "screen_epochs (1) must be fewer than epochs (1)"),
    ({"epochs": 3, "screen": True, "distill": True}, "distill trains instead"),
    ({"epochs": 3, "screen": True, "quick_eval": True}, "both end weak candidates early"),
    ({"screen_validation": 1.0}, "screen_validation must be between 0 and 1 (exclusive)"),
    ({"screen_slack": -0.1}, "screen_slack must be between 0 and 1"),
    ({"screen_min_peers": 0}, "screen_min_peers must be a positive whole number"),
])
def test_contradictions_are_refused_in_one_line(settings, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        PipelineConfig.from_dict(settings)


def test_screen_with_early_stopping_is_taken_and_holds_out_early_stoppings_part():
    converging = PRESETS["converge"].with_overrides(screen=True, screen_epochs=3)
    assert converging.stages[:4] == ("build", "preflight", "screen", "train")
    used = set(converging.used_settings())
    assert {"screen_epochs", "validation_split", "patience"} <= used and "screen_validation" not in used


def test_an_old_studys_pipeline_has_no_screen():
    stored = {k: v for k, v in PRESETS["quick"].to_dict().items() if not k.startswith("screen")}
    assert PipelineConfig.from_dict(stored).screen is False
