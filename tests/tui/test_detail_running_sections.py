"""A running trial's sections: the time line in words, and what lays them out again."""

from __future__ import annotations

from dataclasses import replace

from tinynas_tui.core import figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.events import EpochEnded
from tinynas_tui.core.live_trial import LiveTrial
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.tui.widgets.trial_detail.running import preflight_rows, running_key, time_text


def test_the_time_line_says_elapsed_expected_and_what_the_stage_has_left():
    epoch = EpochEnded(0, "train", 2, 10, {"loss": 0.5})
    live = LiveTrial("train", 100.0, (epoch,), 120.0)  # two epochs in 20 s: 80 s to go
    record = TrialRecord(0, "running", {}, started_at=70.0, live=live)
    assert time_text(record, (95.0, 7), 130.0).plain == \
        "elapsed 1:00 · ≈ 1:35 expected (median of 7 trials) · train ≈ 1:10 left"
    assert time_text(replace(record, live=None), None, 130.0).plain == \
        "elapsed 1:00 · no expected time yet (no complete trial)"
    assert time_text(replace(record, started_at=None), (5.0, 1), 130.0).plain.startswith(
        "elapsed — · ≈ 0:05 expected (median of 1 trial)")


def test_preflight_rows_hold_each_estimate_against_its_budget():
    found = {figures.PARAMS: 1234, figures.MACS: 5_678_901, figures.EST_SIZE_BYTES: 10240,
             figures.EST_WEIGHT_BYTES: 6144, figures.EST_ACTIVATION_BYTES: 3072, figures.EST_LATENCY_MS: 12.5}
    rows = dict(preflight_rows(found, Budgets(max_flash_kb=8, max_ram_kb=64, max_latency_ms=20)))
    assert rows == {"parameters": "1,234", "MACs": "5,678,901", "int8 size": "≈ 10.0 KiB, over the 8 KiB budget",
                    "int8 weights": "≥ 6.0 KiB", "peak RAM": "≥ 3.0 KiB, within 64 KiB",
                    "latency": "≈ 12.50 ms, within 20 ms (estimated)"}
    assert dict(preflight_rows(found, Budgets()))["int8 size"] == "≈ 10.0 KiB"


def test_a_new_stage_lays_the_sections_out_again_only_before_its_first_epoch():
    epoch = EpochEnded(0, "train", 1, 5, {"loss": 0.5})
    live = LiveTrial("train", 10.0, (epoch,), 12.0, {figures.MACS: 7})
    record = TrialRecord(0, "running", {"x": 1}, started_at=5.0, live=live)
    key = running_key(record, Budgets(), (), 5)
    assert running_key(replace(record, live=live.stage_began("convert", 20.0)), Budgets(), (), 5) == key
    assert running_key(replace(record, live=live.epoch_ended(replace(epoch, epoch=2), 13.0)), Budgets(), (), 5) != key
    assert running_key(replace(record, live=live.measured({figures.PARAMS: 3})), Budgets(), (), 5) != key
    # Room for more epochs than there are draws the same; room for fewer draws the last ones.
    assert running_key(record, Budgets(), (), 8) == key
    two = replace(record, live=live.epoch_ended(replace(epoch, epoch=2), 13.0))
    assert running_key(two, Budgets(), (), 1) != running_key(two, Budgets(), (), 2)
    fresh = replace(record, live=LiveTrial("build", 1.0))
    assert running_key(replace(fresh, live=fresh.live.stage_began("preflight", 2.0)), Budgets(), (), 5) != \
        running_key(fresh, Budgets(), (), 5)
