"""Opening a storage: the runs folder, write checks, the retrying connection, the artifact store.

`resolve_storage` (in `_target`) checks a location first, so bad input is refused before anything is
written to disk; these functions then check what is there (a writable folder and file, a database that
is Optuna's or empty: `_inspect`) and create what is needed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinynas_tui.errors import UsageError
from tinynas_tui.search.storage._target import HeartbeatSettings, StorageTarget, scrub

if TYPE_CHECKING:
    from tinynas_tui.search.storage._retry import RetryListener

# Less free space than this in the runs folder at start is refused: artifacts, logs and the database grow.
MIN_FREE_MB = 50
# SQLite's own wait for a lock; past it, the retrying storage backs off and says so.
SQLITE_BUSY_TIMEOUT_S = 10


def open_storage(target: StorageTarget, *, heartbeat: HeartbeatSettings | None = HeartbeatSettings(),
                 on_retry: RetryListener | None = None, check_space: bool = True) -> Any:
    """Connect (creating the runs folder); an unreachable database raises `UsageError`.

    The runs folder is left behind only when the connection succeeded.

    Args:
        target: Where the study lives.
        heartbeat: Heartbeat settings for running trials; None turns heartbeats off (read-only use).
        on_retry: Told about each wait for a locked or unreachable database.
        check_space: Check that the runs folder (and the SQLite file's folder) can be written and has
            room, so a study fails at start rather than midway; readers pass False.
    """
    created = not target.runs_dir.exists()
    try:
        # SQLite needs its folder before connecting; server databases are reached first.
        if target.sqlite_path is not None:
            _make_runs_dir(target)
            if check_space:
                check_writable(target.sqlite_path.parent)
                check_file_writable(target.sqlite_path)
        storage = _connect(target, heartbeat, on_retry)
        _make_runs_dir(target)
        checked = target.sqlite_path.parent.resolve() if target.sqlite_path is not None else None
        if check_space and checked != target.runs_dir.resolve():  # the default SQLite folder is the runs folder
            check_writable(target.runs_dir)
        return storage
    except UsageError:
        if created and target.runs_dir.is_dir():
            shutil.rmtree(target.runs_dir, ignore_errors=True)
        raise


def _make_runs_dir(target: StorageTarget) -> None:
    try:
        target.runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create runs folder {target.runs_dir}: {err.strerror}") from None


def check_writable(folder: Path, min_free_mb: float = MIN_FREE_MB) -> None:
    """Refuse, before a study starts, a folder that cannot be written or has almost no space left.

    Checked by writing a small file for real (permissions, read-only mounts and quotas all show), and by
    the free space the file system reports.
    """
    probe = folder / f".tinynas-write-check-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"\0" * 65536)
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
        free_mb = shutil.disk_usage(folder).free / 2**20
    except OSError as err:
        raise UsageError(f"cannot write to {folder}: {err.strerror or err} (choose another folder with "
                         "--runs-dir, or free some space)") from None
    if free_mb < min_free_mb:
        raise UsageError(f"only {free_mb:.1f} MB free in {folder}; a study needs at least {min_free_mb:g} MB "
                         "for its database, models and logs (free some space, or choose --runs-dir)")


def check_file_writable(path: Path) -> None:
    """Refuse, before a study starts, an existing database file that cannot be written.

    The file is opened for writing and closed again, which writes nothing and leaves its modification time
    alone: a file mode, an immutable flag (``chattr +i``) and a read-only mount of the file all show.
    """
    try:
        os.close(os.open(path, os.O_RDWR))
    except FileNotFoundError:
        return  # created by the first connection, in a folder already checked
    except OSError as err:
        raise UsageError(f"cannot write to {path}: {err.strerror or err} (a study writes to its database; "
                         "make the file writable, or choose another with --storage)") from None


def _connect(target: StorageTarget, heartbeat: HeartbeatSettings | None, on_retry: RetryListener | None) -> Any:
    from tinynas_tui.search.heartbeat import StaleTrialRetry
    from tinynas_tui.search.storage._inspect import refuse_foreign_database
    from tinynas_tui.search.storage._retry import RetryingRDBStorage, call_with_retry

    engine_kwargs: dict[str, Any] = {}
    if target.sqlite_path is not None:
        # Several processes may share one SQLite file: wait for a lock instead of failing at once.
        engine_kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        engine_kwargs["pool_pre_ping"] = True
    def scrubbed_on_retry(reason: str, seconds: float) -> None:
        if on_retry is not None:
            on_retry(scrub(reason, target.url), seconds)  # driver messages may quote the URL

    kwargs: dict[str, Any] = {"on_retry": scrubbed_on_retry}
    if heartbeat is not None:
        kwargs.update(
            heartbeat_interval=heartbeat.interval,
            grace_period=heartbeat.grace,
            heartbeat_stale_trial_callback=StaleTrialRetry(),
        )
    def connect() -> Any:
        refuse_foreign_database(target, SQLITE_BUSY_TIMEOUT_S)  # before Optuna creates its tables there
        return RetryingRDBStorage(target.url, engine_kwargs=engine_kwargs, **kwargs)

    try:
        # Creating the schema writes too, so a locked SQLite file is waited out here as well.
        return call_with_retry(connect, scrubbed_on_retry, locks_only=True)
    except UsageError:
        raise
    except ModuleNotFoundError as err:
        raise UsageError(
            f"cannot use storage {target.display}: database driver {err.name!r} is not installed"
        ) from None
    except Exception as err:  # sqlalchemy raises many kinds; the user needs one line
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UsageError(f"cannot open storage {target.display}: {scrub(first, target.url)}") from None
