"""``tinynas-tui export``: write chosen trials of a study as deployable files.

    tinynas-tui export [--study NAME] [--storage URL] --trial 3 --trial 7 --out DIR [--format tflite,c]
    tinynas-tui export --pareto --out DIR        # every trial on the Pareto front
    tinynas-tui export --best 3 --out DIR        # the 3 best by weighted score (--weights)

Prints one line per written file, one per skipped trial or file, and a summary. A format given by default
(no ``--format``) that a trial cannot give, the ``.keras`` of a study that kept none, is one note in the
summary, not a line per trial. Exit codes: 0 when something was exported, 1 when every chosen trial had
to be skipped (nothing written), 2 on bad input (one line on stderr: unknown trial or format, several
studies and no --study, an existing file without --force, ...). Reads the storage and the artifact store, and writes only inside --out. No TensorFlow.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

from tinynas_tui import PROG
from tinynas_tui.cli.common import (
    OneLineErrorParser,
    add_weights_option,
    positive_int,
    report_usage_error,
    trial_number,
)
from tinynas_tui.errors import UsageError

COMMAND = f"{PROG} export"


def build_export_parser() -> argparse.ArgumentParser:
    from tinynas_tui.export.plan import FORMATS

    p = OneLineErrorParser(
        prog=COMMAND,
        description="Export trials of a study: the measured int8 .tflite, a C array for TFLite Micro, the "
                    ".keras model when kept, params.json, a CSV and a Markdown report.",
    )
    g = p.add_argument_group("which trials (exactly one)")
    which = g.add_mutually_exclusive_group()
    which.add_argument("--trial", type=trial_number, action="append", default=[], metavar="N",
                       help="a trial number; repeat for more")
    which.add_argument("--pareto", action="store_true", help="every complete trial on the Pareto front")
    which.add_argument("--best", type=positive_int, metavar="K",
                       help="the K best complete trials by weighted score (over-budget trials last)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--format", metavar="LIST",
                   help=f"comma-separated formats among {', '.join(FORMATS)} (default: all, the .keras where "
                        "the study kept it; named here, a trial without one is listed as skipped)")
    p.add_argument("--force", action="store_true", help="overwrite files that exist already")
    add_weights_option(p)
    g = p.add_argument_group("storage")
    g.add_argument("--storage", metavar="URL", help="Optuna RDB URL (default sqlite:///tinynas-runs/tinynas.db)")
    g.add_argument("--study", metavar="NAME", help="study name (may be left out when the storage holds one)")
    g.add_argument("--runs-dir", metavar="DIR",
                   help="folder holding the artifacts (default: the SQLite file's folder, or ./tinynas-runs)")
    return p


def _open_study(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(study, artifact store, storage target); creates no database, folder or study."""
    import optuna

    from tinynas_tui.search.storage import open_artifact_store, open_storage, resolve_storage
    from tinynas_tui.search.study import pick_study_name

    target = resolve_storage(args.storage, Path(args.runs_dir) if args.runs_dir else None)
    if target.sqlite_path is not None and not target.sqlite_path.is_file():
        raise UsageError(f"no study database at {target.sqlite_path}: run a search first, or pass --storage URL")
    runs_existed = target.runs_dir.exists()
    try:
        storage = open_storage(target, heartbeat=None, check_space=False)
    finally:
        if not runs_existed:  # open_storage makes the runs folder; an export leaves no trace outside --out
            try:
                target.runs_dir.rmdir()
            except OSError:
                pass
    name = pick_study_name(storage, args.study, target.display,
                           when_empty=f"storage {target.display} holds no study")
    study = optuna.load_study(study_name=name, storage=storage, sampler=optuna.samplers.RandomSampler())
    store = open_artifact_store(target, storage, create=False)  # an export only reads
    return study, store, target


def run_export(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run ``tinynas-tui export`` with ``argv`` (the arguments after ``export``); return the exit code."""
    out = out or sys.stdout
    try:
        args = build_export_parser().parse_args(argv)
    except SystemExit as stop:  # --help (0) or a one-line argparse error (2), already printed
        return int(stop.code or 0)
    try:
        return _export(args, out)
    except UsageError as err:
        return report_usage_error(err)


def _export(args: argparse.Namespace, out: TextIO) -> int:
    import optuna

    from tinynas_tui.core.scoring import Weights
    from tinynas_tui.export.plan import parse_formats, plan_export
    from tinynas_tui.export.select import select_trials
    from tinynas_tui.export.write import write_export

    weights = Weights.parse(args.weights)
    formats = parse_formats(args.format)  # bad input is refused before the storage is opened
    # Formats named by the user; a default one a trial cannot give is noted once, not per trial.
    asked = () if args.format is None or args.format.strip().lower() == "all" else formats
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study, store, target = _open_study(args)
    numbers = select_trials(study, numbers=args.trial, pareto=args.pareto, best=args.best, weights=weights)
    plan = plan_export(study, store, numbers, Path(args.out), formats, weights, storage_url=target.url, asked=asked)
    if not plan.trials:
        for skipped in plan.skipped:
            print(f"skipped {skipped}", file=out)
        print(f"nothing exported: none of the {len(plan.skipped)} chosen trial(s) of study "
              f"{study.study_name!r} has a stored model", file=out, flush=True)
        return 1
    written = write_export(plan, force=args.force)
    for path in written:
        print(f"wrote {path}", file=out)
    for skipped in plan.skipped:
        print(f"skipped {skipped}", file=out)
    print(plan.summary(written), file=out, flush=True)
    return 0

