"""A storage location checked without touching disk or network: its URL's form, the runs folder, and
the URL as shown to people (password masked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from tinynas_tui import paths
from tinynas_tui.errors import UsageError

DEFAULT_HEARTBEAT_INTERVAL_S = 30
# A trial that has not beaten for this long is stale: failed, then retried once.
DEFAULT_HEARTBEAT_GRACE_S = 120

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
# A password quoted inside other text (a driver's error message): up to the "@" as in `_URL_FORM`, where
# "/" is part of the password, but not past white space, which no URL of a message runs across.
_USERINFO_PASSWORD = re.compile(r"(\b[\w+]+://[^\s:/@]*:)([^@\s]*)(@)")
_QUERY_PASSWORD = re.compile(r"(?i)(password=)([^&\s]*)")


def mask_url(url: str) -> str:
    """The URL (or a text quoting URLs) with every password replaced by ``***``.

    The password is what SQLAlchemy reads as one (`_URL_FORM`), so ``user:se/cr3t@host`` and its
    ``%``-encoded forms are masked whole; a ``password=`` query parameter is masked too.
    """
    found = _URL_FORM.fullmatch(url) if isinstance(url, str) else None
    if found is not None and found["password"] is not None:
        url = url[:found.start("password")] + "***" + url[found.end("password"):]
    url = _USERINFO_PASSWORD.sub(r"\1***\3", url)
    return _QUERY_PASSWORD.sub(r"\1***", url)


def scrub(text: str, url: str) -> str:
    """Remove the URL's password from a message that may quote it (driver errors do), in the form the
    URL spells it and decoded."""
    found = _URL_FORM.fullmatch(url) if isinstance(url, str) else None
    secret = found["password"] if found is not None else None
    secrets = {s for s in (secret, secret and unquote(secret), *_query_passwords(url)) if s}
    for s in sorted(secrets, key=len, reverse=True):
        text = text.replace(s, "***")
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


