"""The worker log pane: lines tagged with the time and the trial they are of, TensorFlow's and the
converter's chatter hidden (and counted) until R shows the log raw. The sample is a real worker log,
captured from two trials of a real study (tests/tui/fixtures/worker.log)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fake_engine import FakeEngine, complete_record
from pilot_wait import until

from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.log_lines import LogTagger, is_noise
from tinynas_tui.tui.widgets.log_pane import LogPane

SAMPLE = (Path(__file__).parent / "fixtures" / "worker.log").read_text()
TRACEBACK = """Traceback (most recent call last):
  File "/work/tinynas_tui/pipeline/trial.py", line 213, in train
    history = model.fit(data.x_train, data.y_train)
ValueError: the loss became NaN
"""
STAMPED = re.compile(r"^\d\d:\d\d:\d\d ")


def test_every_line_of_the_real_sample_but_the_marks_is_library_chatter():
    lines = SAMPLE.splitlines()
    assert any(line.startswith("⟦trial 0 started⟧") for line in lines)
    tagger = LogTagger()
    tagged = [tagger.tag(line) for line in lines]
    assert [t.shown()[9:] for t in tagged if not t.noise] == [
        "#0   ── trial 0 started ──", "#0   ── trial 0 ended ──", "#1   ── trial 1 started ──", "#1   ── trial 1 ended ──"]
    assert {t.trials for t in tagged if "fully_quantize" in t.text} == {(0,), (1,)}


def test_a_traceback_and_a_plain_warning_are_not_chatter():
    assert not any(is_noise(line) for line in TRACEBACK.splitlines())
    assert not is_noise("/work/tinynas_tui/pipeline/trial.py:40: RuntimeWarning: overflow in exp")


def test_two_trials_at_once_tag_their_lines_with_both():
    tagger = LogTagger()
    for line in ("⟦trial 3 started⟧", "⟦trial 4 started⟧"):
        tagger.tag(line)
    assert tagger.tag("Killed").trials == (3, 4)
    tagger.tag("⟦trial 3 ended⟧")
    assert tagger.tag("x").shown().endswith("#4   x")


def shown(pane: LogPane) -> list[str]:
    return [str(line) for line in pane.lines]


@pytest.mark.asyncio
async def test_the_pane_tags_lines_hides_the_chatter_and_r_shows_it_raw(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text("")
    app = create_app(FakeEngine([complete_record(0)], log_path=str(log)), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        pane = app.query_one(LogPane)
        log.write_text(SAMPLE + "⟦trial 2 started⟧\n" + TRACEBACK)
        pane.read_new()
        assert not pane.lines  # kept while hidden: writing to a hidden Log lays the screen out
        await pilot.press("f3")
        await until(pilot, lambda: any("ValueError" in line for line in shown(pane)), "the log is written")
        lines = shown(pane)
        assert not any("fully_quantize" in line or "I0000" in line or "XNNPACK" in line for line in lines), lines
        trial_lines = [line for line in lines if "worker log:" not in line]
        assert all(STAMPED.match(line) for line in trial_lines), trial_lines
        assert any(re.match(r"^\d\d:\d\d:\d\d #0 +── trial 0 started ──$", line) for line in lines), lines
        assert any(re.match(r"^\d\d:\d\d:\d\d #2 +ValueError: the loss became NaN$", line) for line in lines), lines
        noise = sum(is_noise(line) for line in SAMPLE.splitlines()) + 2  # and the source lines under warnings
        assert pane.hidden_count == noise
        assert f"{noise} TensorFlow/converter lines hidden" in str(pane.border_title)

        await pilot.press("R")
        await until(pilot, lambda: any("fully_quantize" in line for line in shown(pane)), "the raw log")
        raw = shown(pane)
        assert "⟦trial 0 started⟧" in raw, raw[:12]
        assert not any(STAMPED.match(line) for line in raw[1:])
        assert len(raw) == len(SAMPLE.splitlines()) + 1 + len(TRACEBACK.splitlines()) + 1  # + the path line
        assert "raw" in str(pane.border_title)

        await pilot.press("R")
        await until(pilot, lambda: not any("fully_quantize" in line for line in shown(pane)), "tagged again")
        assert shown(pane) == lines


@pytest.mark.asyncio
async def test_r_while_the_pane_is_hidden_shows_it_raw(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text("")
    app = create_app(FakeEngine([complete_record(0)], log_path=str(log)), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        pane = app.query_one(LogPane)
        log.write_text(SAMPLE)
        pane.read_new()
        await pilot.press("R")
        await until(pilot, lambda: pane.display and any("I0000" in line for line in shown(pane)), "the raw log")
