"""Process tools the trial worker and the study process share: watching the parent, reading memory,
sending a process's output to a file.
"""

from __future__ import annotations

import os
import threading
import time

PARENT_CHECK_INTERVAL_S = 1.0


def watch_parent(parent_pid: int) -> None:
    """Exit when the parent is gone (e.g. kill -9), so no orphan keeps burning CPU."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_INTERVAL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def redirect_output(log_path: str) -> None:
    # fd-level, because TensorFlow and the converter write from C++.
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def resident_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux /proc), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
