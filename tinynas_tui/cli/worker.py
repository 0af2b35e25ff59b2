"""`tinynas-tui worker`: run trials of an existing study on this machine, headless.

One study, many machines: each machine runs this command against the same PostgreSQL URL. The study
(its search space, pipeline, dataset and budgets) comes from the storage; this command only decides how
trials run here. The UI opened on the same storage shows every worker's trials as they finish.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from tinynas_tui import PROG
from tinynas_tui.cli.common import (
    OneLineErrorParser,
    add_storage_options,
    add_confirm_options,
    add_trial_worker_options,
    add_weights_option,
    positive_int,
    report_usage_error,
)
from tinynas_tui.errors import UsageError


def build_worker_parser() -> argparse.ArgumentParser:
    p = OneLineErrorParser(
        prog=f"{PROG} worker",
        description="Run trials of an existing study (e.g. one on a shared PostgreSQL server) on this machine.",
    )
    p.add_argument("--trials", type=positive_int, metavar="N",
                   help="trials to run on this machine (default: until stopped with Ctrl-C or SIGTERM)")
    p.add_argument("--top", type=positive_int, default=5, metavar="N", help="best trials to print at the end")
    add_weights_option(p, "score weights for the closing ranking and --confirm (default %(default)s)")
    add_confirm_options(p)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow and converter logs")
    p.add_argument("--cpu", action="store_true", help="hide every GPU from the trial worker")
    add_storage_options(p, study_help="the study to work on (may be left out when the storage holds one)")
    add_trial_worker_options(p)
    return p


def run_worker(argv: Sequence[str] | None = None) -> int:
    """Run ``tinynas-tui worker`` with ``argv`` (the arguments after ``worker``); return the exit code."""
    from tinynas_tui.run.headless import run_headless
    from tinynas_tui.run.options import RunOptions

    args = build_worker_parser().parse_args(argv)
    options = RunOptions(
        storage=args.storage, study=args.study, runs_dir=args.runs_dir, weights=args.weights,
        verbose=args.verbose, cpu=args.cpu, gpus=args.gpus, threads=args.threads, trial_timeout=args.trial_timeout,
        recycle_every=args.recycle_every, worker_max_rss_mb=args.worker_max_rss_mb,
        trial_memory_mb=args.trial_memory_mb, jobs=args.jobs, heartbeat_interval=args.heartbeat,
        heartbeat_grace=args.heartbeat_grace, confirm=args.confirm, confirm_repeats=args.confirm_repeats,
    )
    try:
        return run_headless(options, trials=args.trials, top=args.top, join_existing=True)
    except UsageError as err:
        return report_usage_error(err)
