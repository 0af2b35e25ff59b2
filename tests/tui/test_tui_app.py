"""The app against a fake engine: live rows, re-ranking, pause/stop/quit, errors, marks, polling."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine, complete_record, failed_record, summary_read
from pilot_wait import until

from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.scoring import Weights
from tinynas_tui.tui.factory import create_app
from tinynas_tui.tui.screens.confirm import ConfirmScreen
from tinynas_tui.tui.screens.error import ErrorScreen
from tinynas_tui.tui.widgets.trial_table import TrialTable

pytestmark = pytest.mark.asyncio



def cell(app, number, column):
    return str(app.query_one(TrialTable).get_cell(str(number), column))


def seeded():
    return [complete_record(i) for i in range(4)] + [failed_record(4)]


async def test_opens_with_existing_trials_then_rows_appear_live():
    engine = FakeEngine(seeded(), gated=True)
    app = create_app(engine, trials=2)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "running", "running")
        table = app.query_one(TrialTable)
        await until(pilot, lambda: table.row_count == 6, "the running trial's row")
        # The row comes with the trial's start; its stage and epoch with the events after it.
        await until(pilot, lambda: cell(app, 5, "state") == "▶ train 1/1", "the running trial's stage")
        assert cell(app, 4, "state") == "failed"
        table.move_cursor(row=2)  # trial 2
        engine.release()
        await until(pilot, lambda: cell(app, 5, "state") == "complete", "trial 5 complete")
        assert table.highlighted_number == 2  # the cursor survived the update
        assert cell(app, 5, "acc") == f"{complete_record(5).accuracy:.4f}"
        await until(pilot, lambda: table.row_count == 7, "trial 6 starts")
        engine.release()
        await until(pilot, lambda: app.state == "finished", "finished")
        assert engine.runs == [2]
        assert str(app.query_one("#status").render()).count("7/7 trials") == 1


async def test_weight_change_reranks_at_once():
    engine = FakeEngine(seeded())
    app = create_app(engine, trials=1, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        book = TrialBook()
        book.merge(seeded())
        heavy_size = Weights(100, 1.0, 0.1)
        expected = book.rank(heavy_size).ranks
        assert expected != book.rank(Weights()).ranks  # the change must matter for this test to mean much
        app.action_focus_weights()
        await pilot.pause()
        app.query_one("#w-size").value = "1"
        await until(pilot, lambda: app.weights == heavy_size, "weights applied")
        for number, rank in expected.items():
            assert cell(app, number, "rank") == str(rank)
        assert engine.runs == []  # re-ranking never touches the study


async def test_invalid_weight_is_shown_and_not_applied():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        before = dict(app.ranking.ranks)
        app.action_focus_weights()
        app.query_one("#w-acc").value = "-5"
        await pilot.pause()
        assert "must be 0 or more" in str(app.query_one("#weights-error").render())
        assert app.weights == Weights() and app.ranking.ranks == before


async def test_budgets_rank_violators_last_and_show_in_detail():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        app.action_focus_weights()
        smallest = min(r.size_kb for r in seeded() if r.values)
        app.query_one("#b-flash").value = f"{smallest:g}"
        await until(pilot, lambda: app.budgets.max_flash_kb == smallest, "budget applied")
        fits = [r.number for r in seeded() if r.values and r.size_kb <= smallest]
        assert [n for n, rank in app.ranking.ranks.items() if rank == 1] == fits
        over = next(r.number for r in seeded() if r.values and r.size_kb > smallest)
        assert cell(app, over, "rank").endswith("✗")
        app.query_one(TrialTable).move_to(over)
        await pilot.pause()
        over_size = next(r.size_kb for r in seeded() if r.number == over)
        assert f"{over_size:.1f} KiB, over the {smallest:g} KiB budget" in app.query_one("#detail").plain_text()


async def test_pause_takes_effect_after_the_current_trial():
    engine = FakeEngine(seeded(), gated=True)
    app = create_app(engine, trials=5)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        await pilot.press("f6")
        assert app.state == "pausing"
        engine.release()
        await until(pilot, lambda: app.state == "paused", "paused")
        assert app.book.count("complete") == 5 and app.book.count("running") == 0
        await pilot.press("f5")  # resume runs the rest of the target
        await until(pilot, lambda: engine.runs == [5, 4], "resumed with the remaining trials")
    assert engine.aborted.is_set() and engine.closed  # leaving while a trial ran ended it


async def test_stop_asks_then_ends_the_running_trial():
    engine = FakeEngine(seeded(), gated=True)
    app = create_app(engine, trials=3)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        await pilot.press("f8")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.state == "running" and not engine.aborted.is_set()
        await pilot.press("f8")
        await pilot.press("y")
        await until(pilot, lambda: app.state == "stopped", "stopped")
        assert engine.aborted.is_set()
        assert app.book.get(5).state == "failed" and "stopped" in app.book.get(5).reason


async def test_quit_while_running_asks_and_closes_the_engine():
    engine = FakeEngine(seeded(), gated=True)
    app = create_app(engine, trials=3)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.book.count("running") == 1, "a trial runs")
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: app.return_code is not None, "the app exits by itself")
    assert app.return_code == 0 and engine.aborted.is_set() and engine.closed


async def test_quit_when_idle_needs_no_question():
    engine = FakeEngine(seeded())
    app = create_app(engine, paused=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        await pilot.press("ctrl+q")
    assert engine.closed


async def test_study_thread_error_opens_a_modal_and_the_app_stays_usable():
    engine = FakeEngine(seeded(), fail_run=RuntimeError("storage went away"))
    app = create_app(engine, trials=1)
    async with app.run_test() as pilot:
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen) and app.screen.query("#error-message"),
                    "error modal")
        assert "storage went away" in str(app.screen.query_one("#error-message").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorScreen)
        assert app.state == "stopped"
        await pilot.press("space")  # still responsive
        assert app.query_one(TrialTable).marked


def error_modal_mounted(app) -> bool:
    """The error modal is up with all its parts: its traceback's scroll mounts its text after the message."""
    screen = app.screen
    return isinstance(screen, ErrorScreen) and screen.is_mounted and all(w.is_mounted for w in screen.query("*"))


async def test_engine_that_cannot_open_shows_why():
    app = create_app(FakeEngine(fail_open=RuntimeError("cannot open storage sqlite:///x.db")))
    async with app.run_test() as pilot:
        await until(pilot, lambda: error_modal_mounted(app), "error modal")
        assert "cannot open storage" in str(app.screen.query_one("#error-message").render())
        assert app.screen.query("#error-details")  # an unexpected failure: its traceback, for a bug report


async def test_a_refused_study_says_why_in_its_line_without_a_traceback():
    from tinynas_tui.errors import UsageError

    refused = UsageError("study 'lead' has a different dataset (train_samples differ); leave the option out")
    app = create_app(FakeEngine(fail_open=refused))
    async with app.run_test() as pilot:
        await until(pilot, lambda: error_modal_mounted(app), "error modal")
        assert "train_samples differ" in str(app.screen.query_one("#error-message").render())
        assert not app.screen.query("#error-details")


async def test_marking_trials():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        table = app.query_one(TrialTable)
        await pilot.press("home", "space", "down", "down", "space")  # home: from the first trial
        assert table.marked == {0, 2}
        assert cell(app, 0, "mark") == "✓" and cell(app, 1, "mark") == " "
        await pilot.press("up", "up", "space")
        assert table.marked == {2}


async def test_trials_from_other_processes_appear_on_poll():
    engine = FakeEngine(seeded())
    app = create_app(engine, paused=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        engine.pending_poll = [complete_record(40), failed_record(41)]
        app._poll()
        await until(pilot, lambda: app.query_one(TrialTable).row_count == 7, "polled rows")
        assert cell(app, 41, "state") == "failed" and app.book.get(40).state == "complete"


async def test_the_counter_never_passes_the_target():
    """Trials that end beyond the target (a dead process's trial failed by a later poll, another
    machine's) raise the target with them: the header read 12/11."""
    engine = FakeEngine(seeded())
    app = create_app(engine, trials=1, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        assert "5/6 trials" in str(app.query_one("#status").render())
        engine.pending_poll = [failed_record(n) for n in range(40, 43)]
        app._poll()
        await until(pilot, lambda: app.query_one(TrialTable).row_count == 8, "polled rows")
        assert "8/8 trials" in str(app.query_one("#status").render())


async def test_sorting_keeps_the_cursor_on_its_trial():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        table = app.query_one(TrialTable)
        table.move_to(3)
        table.sort_by("acc", reverse=True)
        await pilot.pause()
        order = [int(str(table.get_row_at(i)[1])) for i in range(table.row_count)]
        by_acc = sorted((r for r in seeded() if r.values), key=lambda r: -r.accuracy)
        assert order[: len(by_acc)] == [r.number for r in by_acc]
        assert order[-1] == 4  # no accuracy: last
        assert table.highlighted_number == 3


async def test_more_trials_raises_the_target_and_runs():
    engine = FakeEngine(seeded())
    app = create_app(engine, trials=1, paused=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        assert app.target == 6
        await pilot.press("f7")
        await until(pilot, lambda: app.state == "finished", "ran the added trials")
        assert app.target == 11 and engine.runs == [6]


async def test_pareto_view_jumps_to_the_chosen_trial():
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        await pilot.press("f4")
        from tinynas_tui.tui.screens.pareto_screen import ParetoScreen

        assert isinstance(app.screen, ParetoScreen)
        await pilot.press("right", "enter")
        assert not isinstance(app.screen, ParetoScreen)
        assert app.query_one(TrialTable).highlighted_number in app.ranking.front


async def test_applying_a_space_with_trials_offers_a_new_study():
    engine = FakeEngine(seeded())
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        from dataclasses import replace

        from tinynas_tui.core.pipeline_config import PipelineConfig
        from tinynas_tui.core.space import SINGLE_CONV
        from tinynas_tui.tui.widgets.space_editor import SpaceEditor

        edited = replace(SINGLE_CONV, name="narrow")
        app.query_one(SpaceEditor).post_message(SpaceEditor.Applied(edited, PipelineConfig(epochs=2)))
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asks first")
        await pilot.press("y")
        await until(pilot, lambda: app.info.study_name.endswith("-narrow-epochs=2"), "new study")
        assert engine.space == edited and engine.pipeline.epochs == 2
        assert app.query_one(TrialTable).row_count == 0 and app.state == "paused"  # waits for F5
        await pilot.press("f5")
        await until(pilot, lambda: app.state == "finished", "the new study ran")
        assert app.query_one(TrialTable).row_count == 5 and engine.runs == [5]


async def test_log_pane_toggles_and_tails_the_worker_log(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text("old line\n")
    app = create_app(FakeEngine(seeded(), log_path=str(log)), paused=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        pane = app.query_one("#log")
        assert not pane.display
        with log.open("a") as fh:
            fh.write("while hidden\n")
        pane.read_new()
        assert not pane.lines  # kept, not written: writing to a hidden Log lays the screen out
        await pilot.press("f3")
        assert pane.display and any("while hidden" in line for line in pane.lines)
        with log.open("a") as fh:
            fh.write("converter: fully_quantize 0\n")
        pane.read_new()
        assert any("fully_quantize" in line for line in pane.lines)
        assert not any("old line" in line for line in pane.lines)


async def test_every_binding_has_an_id_and_a_tooltip():
    from tinynas_tui.tui.app import TinyNasApp
    from tinynas_tui.tui.screens.export_screen import ExportScreen
    from tinynas_tui.tui.screens.pareto_screen import ParetoScreen
    from tinynas_tui.tui.widgets.space_editor import SpaceEditor

    for owner in (TinyNasApp, TrialTable, ConfirmScreen, ErrorScreen, ParetoScreen, SpaceEditor, ExportScreen):
        for binding in owner.BINDINGS:
            assert binding.id and binding.tooltip, (owner.__name__, binding)


async def test_export_modal_exports_the_marked_trials(tmp_path):
    engine = FakeEngine(seeded())
    app = create_app(engine, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        await pilot.press("home", "space", "down", "down", "space", "down", "down", "space")  # trials 0, 2, 4
        await pilot.press("f9")
        from tinynas_tui.tui.screens.export_screen import ExportScreen

        await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.query("#export-folder"),
                    "export dialog")
        app.screen.query_one("#export-folder").value = str(tmp_path / "out")
        formats = app.screen.query_one("#export-formats")
        for fmt in ("keras", "csv", "md", "json"):
            formats.deselect(fmt)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (tmp_path / "out" / "trial-2.c").exists(), "files written")
        assert engine.export_requests == [((0, 2, 4), str(tmp_path / "out"), ("tflite", "c"))]
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "trial-0.c", "trial-0.tflite", "trial-2.c", "trial-2.tflite"]  # 4 failed: skipped, and said so
        await until(pilot, lambda: any("Skipped: trial 4: failed" in n.message for n in app._notifications),
                    "a notification")

        # Exporting again asks before overwriting; "no" leaves the files alone.
        (tmp_path / "out" / "trial-0.c").write_text("changed by hand")
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.query("#export-folder"),
                    "export dialog")
        app.screen.query_one("#export-folder").value = str(tmp_path / "out")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "overwrite question")
        await pilot.press("n")
        await pilot.pause()
        assert (tmp_path / "out" / "trial-0.c").read_text() == "changed by hand"


async def test_export_plans_with_the_weights_and_budgets_the_table_shows(tmp_path):
    from tinynas_tui.core.budgets import Budgets
    from tinynas_tui.tui.screens.export_screen import ExportScreen

    engine = FakeEngine(seeded())
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        app.action_focus_weights()
        await pilot.pause()
        app.query_one("#w-size").value = "0.1"
        app.query_one("#b-flash").value = "100"
        await until(pilot, lambda: app.budgets == Budgets(max_flash_kb=100), "budget applied")
        over = next(r.number for r in seeded() if r.values and r.size_kb > 100)
        assert cell(app, over, "rank").endswith("✗")
        app.query_one(TrialTable).focus()
        app.query_one(TrialTable).move_to(over)
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.query("#export-folder"),
                    "export dialog")
        app.screen.query_one("#export-folder").value = str(tmp_path / "out")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: engine.export_bases, "export planned")
        assert engine.export_requests[0][0] == (over,)
        assert engine.export_bases == [(Weights(100, 0.1, 0.1), Budgets(max_flash_kb=100))]


async def test_export_without_marks_takes_the_highlighted_trial():
    engine = FakeEngine(seeded())
    app = create_app(engine, paused=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        app.query_one(TrialTable).move_to(3)
        await pilot.press("f9")
        from tinynas_tui.tui.screens.export_screen import ExportScreen

        await until(pilot, lambda: isinstance(app.screen, ExportScreen), "export dialog")
        assert app.screen.numbers == (3,)
        await pilot.press("escape")
        assert engine.export_requests == []


async def test_trials_read_in_summary_are_read_in_full_when_shown():
    full = seeded()
    engine = summary_read(full)
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        assert cell(app, 2, "acc") == f"{full[2].accuracy:.4f}"  # the table needs no more than the summary
        shown = app.query_one(TrialTable).highlighted_number  # the newest: follow mode is on
        assert shown == 4
        await until(pilot, lambda: not app.book.get(shown).partial, "the highlighted trial read in full")
        await until(pilot, lambda: "num_filters" in app.query_one("#detail").plain_text(), "its parameters shown")
        app.query_one(TrialTable).move_to(3)
        await until(pilot, lambda: not app.book.get(3).partial, "trial 3 read in full")
        assert engine.trial_reads == [shown, 3] and app.book.get(1).partial  # only trials shown are read
        assert app.book.get(3) == full[3]


async def test_a_trial_another_process_runs_says_where_it_runs_not_starting():
    """A poll sees another process's trial RUNNING, with no live events here: its row said `▶ starting`
    until it finished."""
    engine = FakeEngine(seeded())
    app = create_app(engine, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state == "paused", "opened")
        elsewhere = TrialRecord(40, "running", {}, None, {"worker_host": "gpu-box:4242"})
        unknown = TrialRecord(41, "running", {}, None, {})
        engine.pending_poll = [elsewhere, unknown]
        app._poll()
        await until(pilot, lambda: app.query_one(TrialTable).row_count == 7, "polled rows")
        assert cell(app, 40, "state").startswith("▶ on gpu-box")
        assert cell(app, 41, "state") == "▶ elsewhere"
        app.query_one(TrialTable).move_to(40)
        await until(pilot, lambda: "running · on gpu-box:4242" in app.query_one("#detail").plain_text(),
                    "the detail says where it runs")


async def test_what_opening_froze_for_the_collector_is_collectable_once_the_app_ends():
    import gc

    gc.unfreeze()
    app = create_app(FakeEngine(seeded()), paused=True)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.state == "paused", "the study opened")
        assert gc.get_freeze_count() > 0  # the book and the widgets, out of the full collections
    assert gc.get_freeze_count() == 0
