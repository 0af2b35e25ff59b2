"""Where studies live: Optuna RDB storage (SQLite by default), its artifact store, and safe URL display.

Validation is split from creation so that bad input is refused before anything is written to disk.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tinynas_tui import paths
from tinynas_tui.errors import UsageError

HEARTBEAT_INTERVAL_S = 30
# A trial whose process has not beaten for this long is stale: failed, then retried once.
GRACE_PERIOD_S = 120
SQLITE_BUSY_TIMEOUT_S = 60

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
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise UsageError(
            f"malformed storage URL {mask_url(url)!r}: expected e.g. sqlite:///runs/study.db "
            "or postgresql://user:password@host/dbname"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if not db or db == ":memory:":
            raise UsageError("a SQLite storage URL needs a file path, e.g. sqlite:///runs/study.db")
        sqlite_path = Path(db)
        if not sqlite_path.parent.is_dir():
            raise UsageError(f"cannot use storage {mask_url(url)}: folder {sqlite_path.parent} does not exist")
        return StorageTarget(url=url, runs_dir=runs_dir or sqlite_path.parent, sqlite_path=sqlite_path)
    return StorageTarget(url=url, runs_dir=runs_dir or paths.DEFAULT_RUNS_DIR, sqlite_path=None)


def open_storage(target: StorageTarget, *, heartbeat: bool = True) -> Any:
    """Connect (creating the runs folder); an unreachable database raises `UsageError`.

    The runs folder is left behind only when the connection succeeded.
    """
    created = not target.runs_dir.exists()
    try:
        # SQLite needs its folder before connecting; server databases are reached first.
        if target.sqlite_path is not None:
            _make_runs_dir(target)
        storage = _connect(target, heartbeat)
        _make_runs_dir(target)
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


def _connect(target: StorageTarget, heartbeat: bool) -> Any:
    import optuna

    engine_kwargs: dict[str, Any] = {}
    if target.sqlite_path is not None:
        # Several processes may share one SQLite file: wait for a lock instead of failing at once.
        engine_kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        engine_kwargs["pool_pre_ping"] = True
    kwargs: dict[str, Any] = {}
    if heartbeat:
        kwargs = dict(
            heartbeat_interval=HEARTBEAT_INTERVAL_S,
            grace_period=GRACE_PERIOD_S,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                max_retry=1
            ),
        )
    try:
        return optuna.storages.RDBStorage(target.url, engine_kwargs=engine_kwargs, **kwargs)
    except ModuleNotFoundError as err:
        raise UsageError(
            f"cannot use storage {target.display}: database driver {err.name!r} is not installed"
        ) from None
    except Exception as err:  # sqlalchemy raises many kinds; the user needs one line
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UsageError(f"cannot open storage {target.display}: {scrub(first, target.url)}") from None


def open_artifact_store(target: StorageTarget) -> Any:
    """The file-system artifact store beside the database (inside the runs folder)."""
    from optuna.artifacts import FileSystemArtifactStore

    folder = paths.artifacts_dir(target.runs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemArtifactStore(base_path=str(folder))

