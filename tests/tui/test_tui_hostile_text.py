"""Stored text on screen is text: escapes shown escaped, markup shown as typed, nothing clickable and no
crash — in the status bar, the detail, the space editor, notices, questions, errors and the log."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_engine import FakeEngine, complete_record, failed_record
from hostile_text import ESCAPES, EVIL, MARKUP, assert_inert
from pilot_wait import until

from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.core.space import SINGLE_CONV, Categorical
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.confirm import ConfirmScreen
from tinynas_tui.tui.screens.error import ErrorScreen
from tinynas_tui.tui.widgets.log_pane import LogPane
from tinynas_tui.tui.widgets.space_editor import SpaceEditor
from tinynas_tui.tui.widgets.trial_detail import TrialDetail
from tinynas_tui.tui.widgets.trial_table import TrialTable

pytestmark = pytest.mark.asyncio
NAME = "bad[/x]name" + ESCAPES



def hostile_engine(tmp_path) -> FakeEngine:
    poisoned = complete_record(0)
    poisoned.params["tag"] = EVIL
    poisoned.attrs["layers"] = [{"name": EVIL, "type": MARKUP, "output_shape": [None, 26, 26, 8], "params": 80}]
    engine = FakeEngine([poisoned, failed_record(1, reason=EVIL), complete_record(2)],
                        log_path=str(tmp_path / "worker.log"))
    engine.study_name = NAME
    engine.space = replace(SINGLE_CONV, params=(*SINGLE_CONV.params, Categorical("tag", (EVIL, "plain"))))
    return engine


def drawn(widget) -> list:
    """The segments the widget puts on the terminal, line by line."""
    region = widget.region
    return [segment for strip in widget.render_lines(region.reset_offset) for segment in strip]


def assert_drawn_inert(widget, where: str) -> None:
    segments = drawn(widget)
    assert_inert("".join(s.text for s in segments), where)
    assert not [s for s in segments if s.style and (s.style.link or "@click" in (s.style.meta or {}))], \
        f"{where} has a link or an action from stored text"


async def test_stored_text_is_drawn_as_text(tmp_path):
    app = create_app(hostile_engine(tmp_path), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        status = app.query_one("#status")
        assert "bad[/x]name\\x1b]0;PWNED\\x07" in status.render().plain
        assert_drawn_inert(status, "the status bar")

        detail = app.query_one(TrialDetail)
        for row, shown in ((0, "[link=https://evil.example]"), (1, "\\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m\\u202e[bold red]X[/]")):
            app.query_one(TrialTable).move_to(row)
            await until(pilot, lambda: shown in detail.plain_text(200) and detail.up_to_date, f"trial {row} shown")
            assert_drawn_inert(detail, f"the detail of trial {row}")
        # The layer whose name holds `[/x]` drew (it used to freeze the detail on the previous trial).
        app.query_one(TrialTable).move_to(0)
        await until(pilot, lambda: "[/x]" in detail.plain_text(200) and "tag" in detail.plain_text(200), "layers")

        await pilot.press("f3")  # the log pane, with a trial's output planted in its file
        (tmp_path / "worker.log").write_text(EVIL + "\n", encoding="utf-8")
        log = app.query_one(LogPane)
        log.read_new()
        await until(pilot, lambda: any("PWNED" in line for line in log.lines), "log line")
        assert_inert("\n".join(log.lines), "the log pane")

        editor = app.query_one(SpaceEditor)
        shown = [row.field.value for row in editor._rows() if row.field_name == "tag"]
        assert shown and "\\x1b]0;PWNED" in shown[0]
        assert_drawn_inert(editor, "the space editor")

        app.notify(EVIL, title=EVIL)  # as the app's notices quoting a reason or a name do
        await until(pilot, lambda: [n for n in app._notifications if "PWNED" in n.message], "the notice")
        (notice,) = [n for n in app._notifications if "PWNED" in n.message]
        assert not notice.markup and "[link=" in notice.message
        assert_inert(notice.message + notice.title, "a notice")


async def test_a_study_named_with_markup_survives_a_space_edit():
    """`bad[/x]name` raised MarkupError when the question quoting it was drawn (and the app exited 0)."""
    engine = hostile_engine_without_log()
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        edited = replace(SINGLE_CONV, name="narrow")
        app.query_one(SpaceEditor).post_message(SpaceEditor.Applied(edited, PipelineConfig(epochs=2)))
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asks first")
        question = app.screen.query_one("#confirm-question")
        assert "bad[/x]name" in str(question.render())
        assert_drawn_inert(question, "the question")
        await pilot.press("y")
        await until(pilot, lambda: app.info.study_name.startswith(NAME) and app.info.study_name != NAME, "new study")
        app.push_screen(ErrorScreen(EVIL, EVIL, EVIL))
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen) and app.screen.query("#error-details"), "error shown")
        for part in ("#error-title", "#error-message", "#error-details"):
            widget = app.screen.query_one(part)
            assert "[@click=app.quit]" in str(widget.render())
            assert_drawn_inert(widget, part)
    assert app.return_code in (None, 0)


def hostile_engine_without_log() -> FakeEngine:
    engine = FakeEngine([complete_record(0), complete_record(1)])
    engine.study_name = NAME
    return engine
