"""What a database holds before Optuna touches it: nothing yet, an Optuna storage, or another program's data.

Optuna's `RDBStorage` creates every table it misses in whatever database it is given: a foreign SQLite
file gains eleven tables, and one with its own ``studies`` table then fails on every query. So the
database is looked at first, reading only (a SQLite file through a ``mode=ro`` URI, a server database
through its catalog), and one that holds tables but not Optuna's is refused before anything is written.
(One exception: a SQLite file left with a hot journal by a writer killed mid-transaction cannot be read
read-only; it is read through a writable connection, which rolls the journal back, as any SQLite program
opening it would.)

An Optuna storage is one with Optuna's schema-version table and its ``studies`` and ``trials`` tables
(with their key columns): whoever made it, plain Optuna or this program, it opens. Other tables beside
Optuna's are the owner's business and are left alone. An empty database, or a new or empty file, is
initialised as usual.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote

from tinynas_tui.errors import UsageError
from tinynas_tui.search.storage._target import StorageTarget

# Tables (and their key columns) that only an Optuna storage has together.
OPTUNA_TABLES = {"version_info": {"schema_version"}, "studies": {"study_id", "study_name"},
                 "trials": {"trial_id", "study_id", "state"}}
MAX_NAMES_SHOWN = 5
SQLITE_READONLY = 8  # primary result code; READONLY_ROLLBACK (a hot journal) is one of its extended codes


def refuse_foreign_database(target: StorageTarget, busy_timeout_s: float) -> None:
    """Raise `UsageError` when the target database holds tables and is not an Optuna storage.

    Errors reaching the database (a held lock, a server that is away) are raised as SQLAlchemy raises
    them, so the caller can retry them as it retries opening the storage.

    Args:
        target: Where the study lives.
        busy_timeout_s: SQLite's own wait for another connection's lock.
    """
    path = target.sqlite_path
    if path is not None and (not path.is_file() or path.stat().st_size == 0):
        return  # a new or empty file: Optuna's to initialise
    try:
        found = _read_schema(target, "ro", busy_timeout_s)
    except Exception as err:
        orig = getattr(err, "orig", None)
        if path is None or not isinstance(orig, sqlite3.DatabaseError):
            raise
        if _not_a_database(orig):
            raise UsageError(f"cannot use storage {target.display}: {path} is not a SQLite database (nothing "
                             "was written to it; choose another file with --storage)") from None
        if getattr(orig, "sqlite_errorcode", 0) & 0xFF != SQLITE_READONLY:
            raise
        # A hot journal (a writer was killed mid-transaction) is rolled back by the first connection that
        # may write, as any SQLite program would do; that restores the file, it adds nothing to it.
        found = _read_schema(target, "rw", busy_timeout_s)
    if found is None:
        return
    tables, missing = found
    if missing:
        # Another program's table names, shown inert (repr escapes control characters).
        shown = ", ".join(map(repr, tables[:MAX_NAMES_SHOWN])) + (", ..." if len(tables) > MAX_NAMES_SHOWN else "")
        where = path if path is not None else "the database"
        raise UsageError(f"cannot use storage {target.display}: {where} is not an Optuna storage ({missing}; "
                         f"it holds {shown}); nothing was written to it: choose another database with --storage")


def _read_schema(target: StorageTarget, mode: str, busy_timeout_s: float) -> tuple[list[str], str] | None:
    """`_optuna_schema` of the target, through a connection of its own (SQLite: opened with ``mode``)."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    if target.sqlite_path is not None:
        uri = f"file:{quote(str(target.sqlite_path.resolve()))}?mode={mode}"
        engine = sa.create_engine("sqlite://", poolclass=NullPool,
                                  creator=lambda: sqlite3.connect(uri, uri=True, timeout=busy_timeout_s))
    else:
        engine = sa.create_engine(target.url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return _optuna_schema(sa.inspect(conn))
    finally:
        engine.dispose()


def _optuna_schema(inspector: Any) -> tuple[list[str], str] | None:
    """None for an empty database; else its tables and what Optuna's schema misses there ('' for none)."""
    tables = sorted(inspector.get_table_names())
    if not tables:
        return None
    for table, columns in OPTUNA_TABLES.items():
        if table not in tables:
            return tables, f"no {table} table"
        have = {c["name"] for c in inspector.get_columns(table)}
        if not columns <= have:
            absent = sorted(columns - have)
            return tables, f"its {table} table has no {', '.join(absent)} column{'s' if len(absent) > 1 else ''}"
    return tables, ""


def _not_a_database(err: sqlite3.DatabaseError) -> bool:
    # SQLITE_NOTADB (26): the file's header is not SQLite's.
    return getattr(err, "sqlite_errorcode", None) == 26 or "not a database" in str(err)
