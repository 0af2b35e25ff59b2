"""Where each trial's files go: beside a SQLite file, or in a table of a server database.

With SQLite, each trial's files sit in the runs folder beside the database file. With a server database
the machines share nothing but the database URL, so a model trained on one machine must be readable on
another (the UI's export, `tinynas-tui export`): the files go into a table of that database instead.
A trial's files are small (tens to hundreds of KB), well within what a database column holds.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from tinynas_tui import paths
from tinynas_tui.search.storage._target import StorageTarget

TABLE = "tinynas_artifacts"


def _table(metadata: Any) -> Any:
    import sqlalchemy as sa

    return sa.Table(
        TABLE,
        metadata,
        sa.Column("artifact_id", sa.String(255), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


class DatabaseArtifactStore:
    """Optuna's artifact-store protocol (`open_reader`, `write`, `remove`) over one table.

    Args:
        engine: The SQLAlchemy engine of the study's storage (``RDBStorage.engine``).
        create: Create the table when it is missing (readers pass False and never write).
    """

    def __init__(self, engine: Any, create: bool = True) -> None:
        import sqlalchemy as sa

        self.engine = engine
        self.table = _table(sa.MetaData())
        if create:
            self.table.create(engine, checkfirst=True)

    def open_reader(self, artifact_id: str) -> BinaryIO:
        import sqlalchemy as sa
        from optuna.artifacts.exceptions import ArtifactNotFound

        try:
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(self.table.c.content).where(self.table.c.artifact_id == artifact_id)).first()
        except sa.exc.ProgrammingError:  # no table: nothing was ever stored
            row = None
        if row is None:
            raise ArtifactNotFound(f"artifact {artifact_id} is not in the database")
        return io.BytesIO(row[0])

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        data = content_body.read()
        with self.engine.begin() as conn:
            conn.execute(self.table.insert().values(artifact_id=artifact_id, content=data))

    def remove(self, artifact_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.artifact_id == artifact_id))

    def __repr__(self) -> str:
        return f"the {TABLE} table of the study's database"


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
        return DatabaseArtifactStore(storage.engine, create=create)
    from optuna.artifacts import FileSystemArtifactStore

    folder = paths.artifacts_dir(target.runs_dir)
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return FileSystemArtifactStore(base_path=str(folder))
