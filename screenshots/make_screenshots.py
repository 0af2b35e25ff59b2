"""Regenerate the README's screenshots from a real study on small data (takes about a minute).

Usage: python screenshots/make_screenshots.py
Writes main-running.svg, detail.svg, pareto.svg, importance.svg, compare.svg and studies.svg beside this
script.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


async def shoot() -> None:
    from tinynas_tui.run.options import RunOptions, validate
    from tinynas_tui.run.engine import OptunaEngine
    from tinynas_tui.tui.factory import create_app
    from tinynas_tui.tui.widgets.trial_table import TrialTable

    # Three epochs, so the running trial's detail has epochs to show; 12 trials, enough for importance.
    options = RunOptions(train_samples=1000, test_samples=300, seed=7, epochs=3)
    app = create_app(OptunaEngine(validate(options)), trials=12)
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 900

        async def until(predicate) -> None:
            while not predicate() and time.monotonic() < deadline:
                await pilot.pause(0.1)

        def training_with_epochs() -> bool:
            newest = app.book.get(max(app.book.records)) if app.book.records else None
            live = getattr(newest, "live", None)
            return (app.book.count("complete") >= 5 and newest is not None and newest.state == "running"
                    and live is not None and live.stage == "train" and len(live.epochs) >= 2)

        await until(training_with_epochs)
        app.query_one(TrialTable).move_to(max(app.book.records))
        await pilot.pause(0.3)
        app.save_screenshot("main-running.svg", str(HERE))
        await until(lambda: app.state == "finished")
        app.query_one(TrialTable).move_to(app.ranking.best)
        await pilot.press("f2")  # hide the side panel: the detail view gets the width
        await pilot.pause(0.3)
        app.save_screenshot("detail.svg", str(HERE))
        await pilot.press("f2", "f4", "right")
        await pilot.pause(0.3)
        app.save_screenshot("pareto.svg", str(HERE))
        await pilot.press("escape", "i")
        await until(lambda: getattr(app.screen, "report", None) is not None or getattr(app.screen, "error", None))
        await pilot.pause(0.3)
        app.save_screenshot("importance.svg", str(HERE))
        await pilot.press("escape")
        table = app.query_one(TrialTable)
        front = sorted(app.ranking.front, key=lambda n: app.ranking.ranks[n])
        for number in ([app.ranking.best] + [n for n in front if n != app.ranking.best])[:2]:
            table.move_to(number)
            await pilot.press("space")
        await pilot.press("c")
        await pilot.pause(1.0)
        app.save_screenshot("compare.svg", str(HERE))
        await pilot.press("escape", "o")
        await pilot.pause(1.0)
        app.save_screenshot("studies.svg", str(HERE))


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        os.chdir(workdir)
        asyncio.run(shoot())
    print("wrote", ", ".join(p.name for p in sorted(HERE.glob("*.svg"))))


if __name__ == "__main__":
    main()
