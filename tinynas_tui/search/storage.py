"""Where studies live: Optuna RDB storage (SQLite by default), its artifact store, and safe URL display.

Validation is split from creation so that bad input is refused before anything is written to disk.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from tinynas_tui import paths
from tinynas_tui.errors import UsageError

if TYPE_CHECKING:
    from tinynas_tui.search.storage_retry import RetryListener

DEFAULT_HEARTBEAT_INTERVAL_S = 30
# A trial that has not beaten for this long is stale: failed, then retried once.
DEFAULT_HEARTBEAT_GRACE_S = 120
# Less free space than this in the runs folder at start is refused: artifacts, logs and the database grow.
MIN_FREE_MB = 50
# SQLite's own wait for a lock; past it, storage_retry backs off and says so.
SQLITE_BUSY_TIMEOUT_S = 10

# An RDB URL's form, as SQLAlchemy reads it (`sqlalchemy.engine.url._parse_url`): checked here without
# importing SQLAlchemy, which would cost the UI ~0.1 s before its first frame; the study's opening
# (in a thread, after that frame) parses it for real. A test holds the two to the same answers.
_URL_FORM = re.compile(
    r"""
    (?P<name>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)
_USERINFO_PASSWORD = re.compile(r"(//[^/:@]*:)([^@/]*)(@)")
_QUERY_PASSWORD = re.compile(r"(?i)(password=)([^&\s]*)")


def mask_url(url: str) -> str:
    """The URL with any password (user-info or ``password=`` parameter) replaced by ``***``."""
    url = _USERINFO_PASSWORD.sub(r"\1***\3", url)
    return _QUERY_PASSWORD.sub(r"\1***", url)


def scrub(text: str, url: str) -> str:
    """Remove the URL's password from a message that may quote it (driver errors do)."""
    try:
        from sqlalchemy.engine import make_url

        secret = make_url(url).password
    except Exception:
        secret = None
    secrets = [s for s in (secret, *_query_passwords(url)) if s]
    for s in secrets:
        text = text.replace(str(s), "***")
    return mask_url(text)


def _query_passwords(url: str) -> list[str]:
    _, _, query = url.partition("?")
    return [v for k, v in parse_qsl(query) if k.lower() == "password"]


@dataclass(frozen=True)
class HeartbeatSettings:
    """How often a running trial beats, and how long silence is tolerated (whole seconds, Optuna's unit).

    Every process working on one study should use the same settings: the grace period is applied by
    whichever process looks for stale trials.
    """

    interval: int = DEFAULT_HEARTBEAT_INTERVAL_S
    grace: int = DEFAULT_HEARTBEAT_GRACE_S

    def __post_init__(self) -> None:
        if self.interval < 1 or self.grace <= self.interval:
            raise UsageError(f"--heartbeat-grace ({self.grace} s) must be longer than --heartbeat "
                             f"({self.interval} s)")


@dataclass(frozen=True)
class StorageTarget:
    """A validated storage location; nothing has been created yet."""

    url: str
    runs_dir: Path
    sqlite_path: Path | None

    @property
    def display(self) -> str:
        return mask_url(self.url)


def resolve_storage(url: str | None, runs_dir: Path | None = None) -> StorageTarget:
    """Check a storage URL's form without touching disk or network.

    Args:
        url: An Optuna RDB URL, or None for ``sqlite:///<runs_dir>/tinynas.db``.
        runs_dir: The folder for artifacts and logs; defaults to the SQLite file's folder, or
            ``./tinynas-runs`` for server databases.
    """
    if url is None:
        runs = runs_dir or paths.DEFAULT_RUNS_DIR
        url = paths.default_storage_url(runs)
        return StorageTarget(url=url, runs_dir=runs, sqlite_path=runs / paths.DEFAULT_DB_NAME)
    try:
        backend, db = url_form(url)
    except ValueError:
        raise UsageError(
            f"malformed storage URL {mask_url(url)!r}: expected e.g. sqlite:///runs/study.db "
            "or postgresql://user:password@host/dbname"
        ) from None
    if backend == "sqlite":
        if not db or db == ":memory:":
            raise UsageError("a SQLite storage URL needs a file path, e.g. sqlite:///runs/study.db")
        sqlite_path = Path(db)
        if not sqlite_path.parent.is_dir():
            raise UsageError(f"cannot use storage {mask_url(url)}: folder {sqlite_path.parent} does not exist")
        return StorageTarget(url=url, runs_dir=runs_dir or sqlite_path.parent, sqlite_path=sqlite_path)
    return StorageTarget(url=url, runs_dir=runs_dir or paths.DEFAULT_RUNS_DIR, sqlite_path=None)


def url_form(url: str) -> tuple[str, str | None]:
    """The backend name and database of an RDB URL, as SQLAlchemy's `make_url` would read them.

    Raises:
        ValueError: SQLAlchemy would refuse the URL's form.
    """
    found = _URL_FORM.match(url) if isinstance(url, str) else None
    if found is None:
        raise ValueError(f"not an RDB URL: {url!r}")
    if found["port"] is not None:
        int(found["port"])  # SQLAlchemy keeps the port as a number: "55x" and "" are refused
    database = found["database"]
    return found["name"].split("+")[0], None if database is None else unquote(database)


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


def _connect(target: StorageTarget, heartbeat: HeartbeatSettings | None, on_retry: RetryListener | None) -> Any:
    from tinynas_tui.search.heartbeat import StaleTrialRetry
    from tinynas_tui.search.storage_retry import RetryingRDBStorage, call_with_retry

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
    try:
        # Creating the schema writes too, so a locked SQLite file is waited out here as well.
        return call_with_retry(lambda: RetryingRDBStorage(target.url, engine_kwargs=engine_kwargs, **kwargs),
                               scrubbed_on_retry, locks_only=True)
    except ModuleNotFoundError as err:
        raise UsageError(
            f"cannot use storage {target.display}: database driver {err.name!r} is not installed"
        ) from None
    except Exception as err:  # sqlalchemy raises many kinds; the user needs one line
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UsageError(f"cannot open storage {target.display}: {scrub(first, target.url)}") from None


def open_artifact_store(target: StorageTarget, storage: Any = None, *, create: bool = True) -> Any:
    """Where each trial's files go.

    SQLite: a file-system store in the runs folder beside the database. A server database (PostgreSQL):
    a table in that database, so every machine working on the study can read every trial's model.

    Args:
        target: The storage location.
        storage: The open `RDBStorage` (needed for a server database).
        create: Create the folder or table if missing; False for read-only use (export).
    """
    if target.sqlite_path is None and storage is not None:
        from tinynas_tui.search.db_artifacts import DatabaseArtifactStore

        return DatabaseArtifactStore(storage.engine, create=create)
    from optuna.artifacts import FileSystemArtifactStore

    folder = paths.artifacts_dir(target.runs_dir)
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return FileSystemArtifactStore(base_path=str(folder))
