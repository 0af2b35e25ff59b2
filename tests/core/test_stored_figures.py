"""Which figures stay user attributes, the short forms of the others, and reading both kinds of study."""

from __future__ import annotations

import json

from tinynas_tui.core import figures
from tinynas_tui.core.stored_figures import MAX_SHOWN, PREFIX, layers_line, merged, shown, split

# As `pipeline.models.layer_summary` gives it for the single-conv space (516 characters of JSON).
SINGLE_CONV_LAYERS = [
    {"name": "conv2d", "type": "Conv2D", "output_shape": [None, 26, 26, 16], "params": 160},
    {"name": "max_pooling2d", "type": "MaxPooling2D", "output_shape": [None, 13, 13, 16], "params": 0},
    {"name": "flatten", "type": "Flatten", "output_shape": [None, 2704], "params": 0},
    {"name": "dense", "type": "Dense", "output_shape": [None, 64], "params": 173120},
    {"name": "dropout", "type": "Dropout", "output_shape": [None, 64], "params": 0},
    {"name": "dense_1", "type": "Dense", "output_shape": [None, 10], "params": 650},
]


def test_short_figures_stay_user_attributes_as_they_are():
    attrs = {"macs": 271040, "fully_int8": True, "latency_board": "m4-1m (Cortex-M4, 64 MHz)", "arena_bytes": None,
             "timings": {"build": 0.08, "train": 0.6}}
    assert split(attrs) == (attrs, {})


def test_a_long_layer_summary_is_one_line_there_and_whole_as_a_system_attribute():
    assert len(json.dumps(SINGLE_CONV_LAYERS)) > 500
    user, system = split({figures.LAYERS: SINGLE_CONV_LAYERS, "macs": 1})
    assert user == {figures.LAYERS: "conv/16 → maxpool → flatten → dense/64 → dropout → dense/10", "macs": 1}
    assert system == {PREFIX + figures.LAYERS: SINGLE_CONV_LAYERS}
    assert merged(user, system) == {figures.LAYERS: SINGLE_CONV_LAYERS, "macs": 1}


def test_long_text_is_cut_and_other_structures_leave_the_user_attributes():
    reason = "x" * 400
    top_ops = [{"op": f"CONV_2D 3x3 -> 26x26x{i}", "cycles": 2317857, "share": 0.2} for i in range(5)]
    user, system = split({figures.FAIL_REASON: reason, figures.LATENCY_TOP_OPS: top_ops})
    assert user == {figures.FAIL_REASON: "x" * (MAX_SHOWN - 1) + "…"}
    assert system == {PREFIX + figures.FAIL_REASON: reason, PREFIX + figures.LATENCY_TOP_OPS: top_ops}
    assert all(len(shown(v)) <= MAX_SHOWN for v in user.values())


def test_a_deep_model_line_is_cut_with_its_layer_count():
    rows = [{"type": t, "output_shape": [None, 4, 4, 32]} for t in ["Conv2D", "BatchNormalization", "ReLU"] * 15]
    line = layers_line(rows)
    assert len(line) <= MAX_SHOWN and line.startswith("conv/32 → bn → relu → conv/32") and line.endswith("… (45 layers)")
    assert layers_line([{"type": "Custom", "output_shape": []}]) == "custom"


def test_an_older_study_whole_in_user_attributes_reads_the_same():
    old = {figures.LAYERS: SINGLE_CONV_LAYERS, figures.FAIL_REASON: "y" * 300}
    assert merged(old, {"constraints:flash_kb": 1.0, "artifacts:abc": "{}"}) == old


def test_shown_is_the_dashboards_form():
    assert shown("a b") == "a b" and shown(1.5) == "1.5" and shown(True) == "True" and shown(None) == "null"
    assert shown({"a": [1, 2]}) == '{"a": [1, 2]}'
