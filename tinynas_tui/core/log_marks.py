"""The lines a trial worker writes into its log when a trial starts and ends, so a reader of the log
(the UI's log pane) knows which trial the output between them belongs to.

``⟦trial 7 started⟧`` … ``⟦trial 7 ended⟧``: brackets no library prints, on a line of their own.
"""

from __future__ import annotations

import re

_MARK = re.compile(r"^⟦trial (\d+) (started|ended)⟧$")


def started_mark(number: int) -> str:
    return f"⟦trial {number} started⟧"


def ended_mark(number: int) -> str:
    return f"⟦trial {number} ended⟧"


def read_mark(line: str) -> tuple[int, bool] | None:
    """(trial number, True if it started / False if it ended) for a mark line, else None."""
    match = _MARK.match(line.strip())
    if match is None:
        return None
    return int(match.group(1)), match.group(2) == "started"
