"""What every command shares: the one-line-error parser, number types, and the option groups.

Imports nothing heavy: the UI parses its options with these before its first frame.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from tinynas_tui import PROG
from tinynas_tui.core.scoring import DEFAULT_WEIGHTS
from tinynas_tui.core.seed_repeats import DEFAULT_REPEATS, DEFAULT_TOP
from tinynas_tui.errors import UsageError
from tinynas_tui.executor.protocol import DEFAULT_RECYCLE_EVERY, DEFAULT_TRIAL_MEMORY_MB, DEFAULT_WORKER_MAX_RSS_MB
from tinynas_tui.search.storage import DEFAULT_HEARTBEAT_GRACE_S, DEFAULT_HEARTBEAT_INTERVAL_S


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, exit code 2, pointing at the command's help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{PROG}: {message} (see {self.prog} --help)\n")


def report_usage_error(err: UsageError) -> int:
    """Print a `UsageError` as the one line every command ends with; return exit code 2."""
    print(f"{PROG}: {err}", file=sys.stderr)
    return 2


def whole_number(minimum: int, expected: str) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``, else ``expected ..., got '...'``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


positive_int = whole_number(1, "a positive whole number")
count_int = whole_number(0, "0 or a positive whole number")
trial_number = whole_number(0, "a trial number (0, 1, ...)")


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def gpu_list(text: str) -> tuple[int, ...]:
    """An argparse type: GPU ordinals, comma-separated (``0,1``), else ``expected ..., got '...'``."""
    parts = [part.strip() for part in text.split(",")]
    if not parts or not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"expected GPU numbers separated by commas (e.g. 0,1), got {text!r}")
    return tuple(int(part) for part in parts)


def add_weights_option(p: argparse.ArgumentParser, help_text: str | None = None, given_only: bool = False) -> None:
    """``--weights``; with ``given_only`` its value is None unless given (the UI then ranks by the weights
    stored with the study, falling back to the default)."""
    default = DEFAULT_WEIGHTS.as_text()
    p.add_argument("--weights", default=None if given_only else default, metavar="ACC,SIZE,LATENCY",
                   help=help_text or f"score = acc*ACC - size_kb*SIZE - latency_ms*LATENCY (default {default}"
                                     + ("; the UI: those last set for the study)" if given_only else ")"))


def add_confirm_options(p: argparse.ArgumentParser) -> None:
    """``--confirm K`` and ``--confirm-repeats R``: the front's best trials run again with other seeds."""
    p.add_argument("--confirm", type=count_int, default=0, metavar="K",
                   help="after the trials (in the UI: each time the run reaches its target), run the top K "
                        "trials of the Pareto front again with other seeds and record the accuracy's mean and "
                        f"spread (default 0: none; the UI's k key asks for the top {DEFAULT_TOP})")
    p.add_argument("--confirm-repeats", type=positive_int, default=DEFAULT_REPEATS, metavar="R",
                   help=f"seed repeats of each confirmed trial (default {DEFAULT_REPEATS})")


def add_storage_options(p: argparse.ArgumentParser, study_help: str) -> None:
    g = p.add_argument_group("storage")
    g.add_argument("--storage", metavar="URL",
                   help="Optuna RDB URL (default sqlite:///tinynas-runs/tinynas.db); for several machines "
                        "postgresql://user:password@host/dbname")
    g.add_argument("--study", metavar="NAME", help=study_help)
    g.add_argument("--runs-dir", metavar="DIR",
                   help="folder for artifacts and logs (default: the SQLite file's folder, or ./tinynas-runs)")
    g.add_argument("--heartbeat", type=positive_int, default=DEFAULT_HEARTBEAT_INTERVAL_S, metavar="SECONDS",
                   help=f"a running trial records that it is alive this often (default {DEFAULT_HEARTBEAT_INTERVAL_S})")
    g.add_argument("--heartbeat-grace", type=positive_int, default=DEFAULT_HEARTBEAT_GRACE_S, metavar="SECONDS",
                   help="a running trial silent this long (its process died or was stopped) is failed and its "
                        f"parameters retried once (default {DEFAULT_HEARTBEAT_GRACE_S})")


def add_trial_worker_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("trial worker")
    g.add_argument("--trial-timeout", type=positive_float, metavar="SECONDS",
                   help="fail a trial that runs longer (default: no limit)")
    g.add_argument("--trial-memory-mb", type=positive_float, default=DEFAULT_TRIAL_MEMORY_MB, metavar="MB",
                   help=f"fail a trial whose worker uses more memory (default {DEFAULT_TRIAL_MEMORY_MB:g})")
    g.add_argument("--recycle-every", type=positive_int, default=DEFAULT_RECYCLE_EVERY, metavar="K",
                   help=f"start a fresh worker process after K trials (default {DEFAULT_RECYCLE_EVERY})")
    g.add_argument("--worker-max-rss-mb", type=positive_float, default=DEFAULT_WORKER_MAX_RSS_MB, metavar="MB",
                   help=f"start a fresh worker after a trial that left it above MB (default {DEFAULT_WORKER_MAX_RSS_MB:g})")
    g.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="trials to run at once, each in its own worker process (default 1)")
    g.add_argument("--gpus", type=gpu_list, default=(), metavar="LIST",
                   help="GPU ordinals to deal the --jobs workers over, e.g. 0,1 (each worker sees only its "
                        "own; more jobs than GPUs share them; default: every worker sees every GPU)")
    g.add_argument("--threads", type=positive_int, metavar="N",
                   help="TensorFlow threads in each worker (default: the cores divided among the jobs)")
