"""The UI on a study of 50,000 trials: open, re-rank, scroll, sort, poll.

1. Generates the study in SQLite (see `big_study_data`: bulk SQL inserts, ~10 s).
2. Through a pseudo-terminal, as a user's shell would: `tinynas-tui --paused --storage ... --study ...`,
   the time to the first frame and until the table is populated (the status bar counts every trial;
   it is set in the same handler that fills the table). Median of ``--runs``.
3. In process, under Textual's headless driver with the real engine: opening (until the table holds
   every trial), a weight change re-ranking every trial (the handler, then drawing the visible rows),
   page-down, cursor moves and a sort by accuracy (each with the visible rows drawn), and polls: what a
   poll reads when nothing changed and after three new trials (trials and database rows).
4. With ``--optuna-read``: Optuna's own read of every trial, which the app no longer does (~1 min).

Usage: python bench/big_study.py [--trials 50000] [--runs 3] [--optuna-read] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))

from big_study_data import generate  # noqa: E402
from tui_latency import frame_times  # noqa: E402

STUDY = "big"


def draw_visible(table) -> None:
    """Draw every visible line of the table, as a repaint would."""
    for y in range(table.scrollable_content_region.height):
        table.render_line(y)


def timed(action, *args) -> float:
    start = time.perf_counter()
    action(*args)
    return (time.perf_counter() - start) * 1000


async def in_process(url: str, n_trials: int) -> dict[str, str]:
    from tinynas_tui.run.options import RunOptions, validate
    from tinynas_tui.core.scoring import Weights
    from tinynas_tui.run.engine import OptunaEngine
    from tinynas_tui.tui.factory import create_app
    from tinynas_tui.tui.widgets.trial_table import TrialTable
    from tinynas_tui.tui.widgets.weights_panel import WeightsPanel

    engine = OptunaEngine(validate(RunOptions(storage=url, study=STUDY)))
    app = create_app(engine, paused=True)
    out: dict[str, str] = {}
    start = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.query_one(TrialTable)
        while not (app.state == "paused" and table.row_count == n_trials):
            await asyncio.sleep(0.01)
        out["open (headless, until the table holds every trial)"] = f"{time.perf_counter() - start:.2f} s"
        out["trials read by the open"] = f"{engine.last_read} (summary: table and ranking columns only)"
        await pilot.pause()

        ms = []
        for w in (Weights(100, 1, 0.1), Weights(50, 0.05, 2), Weights()):
            msg = WeightsPanel.Changed(w, app.budgets)
            ms.append(timed(app.on_weights_panel_changed, msg) + timed(draw_visible, table))
        out["weight change: re-rank every trial + draw the visible rows"] = f"median {statistics.median(ms):.0f} ms"
        table.sort_by("score", reverse=True)
        ms = []
        for w in (Weights(100, 1, 0.1), Weights(50, 0.05, 2), Weights()):
            msg = WeightsPanel.Changed(w, app.budgets)
            ms.append(timed(app.on_weights_panel_changed, msg) + timed(draw_visible, table))
        out["  the same, table sorted by score (re-sorts every row)"] = f"median {statistics.median(ms):.0f} ms"
        table.sort_by("number")
        await pilot.pause()

        def page() -> None:
            table.action_page(1)
            draw_visible(table)

        def step() -> None:
            table.action_cursor(1)
            draw_visible(table)

        pages = [timed(page) for _ in range(50)]
        steps = [timed(step) for _ in range(200)]
        out["page down (+ draw the visible rows)"] = f"median {statistics.median(pages):.2f} ms, max {max(pages):.2f} ms"
        out["cursor down (+ draw)"] = f"median {statistics.median(steps):.2f} ms, max {max(steps):.2f} ms"
        out["end, then home (+ draw)"] = (f"{timed(lambda: (table.action_ends(1), draw_visible(table))):.2f} ms, "
                                          f"{timed(lambda: (table.action_ends(-1), draw_visible(table))):.2f} ms")
        sort = timed(lambda: (table.sort_by("acc", reverse=True), draw_visible(table)))
        out["sort by accuracy (+ draw)"] = f"{sort:.0f} ms"
        await pilot.pause()

        out["poll, nothing new"] = poll_figures(engine)
        add_trials(url, 3)
        out["poll after 3 new trials"] = poll_figures(engine)
    return out


def poll_figures(engine) -> str:
    """Poll once; the trials and database rows it read (Optuna reads each trial's related rows too)."""
    storage = engine._require().storage
    real = storage._get_trials
    rows = []

    def counting(*args, **kwargs):
        trials = real(*args, **kwargs)
        rows.append(sum(1 + len(t.params) + len(t.values or ()) + len(t.user_attrs) + len(t.system_attrs)
                        + len(t.intermediate_values) for t in trials))
        return trials

    storage._get_trials = counting
    try:
        start = time.perf_counter()
        engine.poll()
        took = (time.perf_counter() - start) * 1000
    finally:
        storage._get_trials = real
    return f"{engine.last_read} trials, {sum(rows)} rows, {took:.0f} ms"


def add_trials(url: str, n: int) -> None:
    """Finish ``n`` trials through another connection, as another worker process would."""
    import optuna

    study = optuna.load_study(study_name=STUDY, storage=optuna.storages.RDBStorage(url))
    for i in range(n):
        trial = study.ask()
        trial.set_user_attr("arena_bytes", 4096)
        study.tell(trial, (0.9, 20.0 + i, 1.0))


def count_trials(db: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM trials").fetchone()[0]


def optuna_read(url: str) -> str:
    import optuna

    storage = optuna.storages.RDBStorage(url)
    study = optuna.load_study(study_name=STUDY, storage=storage)
    start = time.perf_counter()
    trials = storage.get_all_trials(study._study_id, deepcopy=False)
    return f"{len(trials)} trials in {time.perf_counter() - start:.1f} s"


def main() -> None:
    print("command: python " + " ".join(sys.argv))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--optuna-read", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    workdir = args.keep or tempfile.mkdtemp()
    os.makedirs(workdir, exist_ok=True)
    db = os.path.join(workdir, "big.db")
    url = f"sqlite:///{db}"
    if not os.path.exists(db):
        start = time.perf_counter()
        made = generate(url, STUDY, args.trials)
        print(f"generated {made['trials']} trials ({made['complete']} complete, {made['failed']} failed, "
              f"{made['pruned']} pruned; {made['rows']} rows) in {time.perf_counter() - start:.1f} s: {db}")
    finished = count_trials(db)
    populated = f"{finished}/{finished + 5} trials".encode()
    extra = ["--storage", url, "--study", STUDY]
    firsts, fulls = [], []
    for _ in range(args.runs):
        first, full = frame_times(workdir, extra, until=populated)
        firsts.append(first)
        fulls.append(full)
    print(f"pty, {args.runs} runs: first frame median {statistics.median(firsts):.2f} s; table populated "
          f"median {statistics.median(fulls):.2f} s (min {min(fulls):.2f}, max {max(fulls):.2f})")
    for what, figure in asyncio.run(in_process(url, finished)).items():
        print(f"{what}: {figure}")
    if args.optuna_read:
        print(f"Optuna's own read of every trial (get_all_trials): {optuna_read(url)}")
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
