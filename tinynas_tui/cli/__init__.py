"""The command line: ``tinynas-tui [export | worker | estimate] [options]``.

`main` routes to a command module and imports nothing heavy itself: each command imports what it needs
when it runs (the UI's first frame waits for every import made before it).
"""

from __future__ import annotations

import sys
from typing import Sequence

COMMANDS = ("export", "worker", "estimate")
"""Subcommands; anything else is the search itself (the UI, or ``--headless``)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` names (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
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
