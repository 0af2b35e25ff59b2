"""The command line: ``tinynas-tui [export | worker | estimate] [options]``.

`main` routes to a command module and imports nothing heavy itself: each command imports what it needs
when it runs (the UI's first frame waits for every import made before it).
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

from tinynas_tui.core.inert_text import InertStream

COMMANDS = {
    "export": "write trials' .tflite, C array, .keras and a report for deployment",
    "worker": "run trials of an existing study on this machine (e.g. a shared PostgreSQL study)",
    "estimate": "estimate a .tflite model's latency on a board, operator by operator",
}
"""Subcommands and what each does; anything else is the search itself (the UI, or ``--headless``)."""


# The exit code of a program whose reader went away (128 + SIGPIPE), as a shell reports one it killed.
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` names (default ``sys.argv[1:]``); return the exit code.

    Everything printed passes through `InertStream`: names and reasons come from storage that others
    can write, and none of it may drive the terminal. When the reader of the output goes away
    (``tinynas-tui --headless | head -3``) the run stops as if interrupted, without a traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = InertStream(out), InertStream(err)
    try:
        return _route(argv)
    except BrokenPipeError:
        _silence(out)
        return EXIT_BROKEN_PIPE
    finally:
        sys.stdout, sys.stderr = out, err


def _silence(stream) -> None:
    """Point ``stream``'s descriptor at /dev/null: Python's final flush would fail on the closed pipe."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _route(argv: list[str]) -> int:
    if argv[:1] == ["export"]:
        from tinynas_tui.cli.export import run_export

        return run_export(argv[1:])
    if argv[:1] == ["worker"]:
        from tinynas_tui.cli.worker import run_worker

        return run_worker(argv[1:])
    if argv[:1] == ["estimate"]:
        from tinynas_tui.cli.estimate import run_estimate

        return run_estimate(argv[1:])
    from tinynas_tui.cli.search import run_search

    return run_search(argv)
