"""What is already at a storage location, checked at start: another program's database is refused and left
byte for byte as it was; a database file that cannot be written is refused before the study starts."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys

import optuna
import pytest

from cli_processes import can_mount
from pilot_wait import until

from tinynas_tui.cli import main
from tinynas_tui.search.storage import open_storage, resolve_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)


def fingerprint(path):
    """Everything that would show a write: the bytes, the modification time, the folder's other files."""
    folder = sorted(p.name for p in path.parent.iterdir())
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, folder


def schema(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def make_sqlite(path, *statements):
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


FOREIGN = {
    # Its own `studies` table, as an app of its own may well have: Optuna's queries fail on it.
    "own studies table": (["CREATE TABLE studies (id INTEGER PRIMARY KEY, name TEXT)",
                           "INSERT INTO studies VALUES (1, 'my thesis')"],
                          "is not an Optuna storage (no version_info table; it holds 'studies')"),
    # No Optuna table at all: Optuna used to add its eleven beside the user's.
    "other tables": (["CREATE TABLE notes (body TEXT)", "CREATE TABLE tags (name TEXT)",
                      "INSERT INTO notes VALUES ('keep me')"],
                     "is not an Optuna storage (no version_info table; it holds 'notes', 'tags')"),
    # Many tables: the first five are named; a name with a terminal escape is shown inert.
    "many tables": ([f"CREATE TABLE t{i} (x)" for i in range(6)] + ['CREATE TABLE "\x1b[2J" (x)'],
                    "(no version_info table; it holds '\\x1b[2J', 't0', 't1', 't2', 't3', ...)"),
    # Optuna's table names, but not its columns.
    "lookalike": (["CREATE TABLE version_info (id INTEGER)", "CREATE TABLE studies (id INTEGER)",
                   "CREATE TABLE trials (id INTEGER)"],
                  "its version_info table has no schema_version column"),
}


def refused_in_one_line(capsys, argv, words):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.startswith("tinynas-tui: ") and err.count("\n") == 1, err
    assert words in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("case", FOREIGN)
def test_a_foreign_sqlite_database_is_refused_at_once_and_left_untouched(tmp_path, capsys, monkeypatch, case):
    statements, words = FOREIGN[case]
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "theirs" / "app.db"
    db.parent.mkdir()
    make_sqlite(db, *statements)
    before, tables = fingerprint(db), schema(db)
    err = refused_in_one_line(capsys, ["--headless", "--trials", "1", "--storage", f"sqlite:///{db}"], words)
    assert "nothing was written to it" in err
    assert fingerprint(db) == before and schema(db) == tables
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs"]  # no runs folder either


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list\n" * 100)
    before = fingerprint(notes)
    refused_in_one_line(capsys, ["--headless", "--storage", f"sqlite:///{notes}"],
                        f"{notes} is not a SQLite database (nothing was written to it")
    assert fingerprint(notes) == before


@pytest.mark.parametrize("case", ["new file", "empty file", "database without tables"])
def test_a_new_or_empty_database_is_initialised(tmp_path, case):
    db = tmp_path / "study.db"
    if case == "empty file":
        db.touch()
    elif case == "database without tables":
        make_sqlite(db, "CREATE TABLE t (x)", "DROP TABLE t")  # a valid SQLite file with no table left
    storage = open_storage(resolve_storage(f"sqlite:///{db}"))
    optuna.create_study(storage=storage, study_name="s")
    assert optuna.get_all_study_names(f"sqlite:///{db}") == ["s"]


def test_a_storage_made_by_plain_optuna_opens_even_with_tables_of_its_owner(tmp_path):
    db = tmp_path / "optuna.db"
    study = optuna.create_study(storage=f"sqlite:///{db}", study_name="theirs")
    study.tell(study.ask(), 1.0)
    make_sqlite(db, "CREATE TABLE my_notes (body TEXT)")
    storage = open_storage(resolve_storage(f"sqlite:///{db}"))
    assert optuna.load_study(study_name="theirs", storage=storage).trials[0].value == 1.0


# A writer killed in the middle of a transaction (as kill -9 of a run may be) leaves a hot journal.
KILLED_WRITER = (
    "import os, sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "db.execute('PRAGMA cache_size = 1')\n"  # pages spill into the file before the commit
    "db.execute('BEGIN')\n"
    "for i in range(2000):\n"
    "    db.execute('INSERT INTO study_user_attributes (study_id, key, value_json) VALUES (1, ?, ?)',\n"
    "               (f'k{i}', '0' * 200))\n"
    "os.kill(os.getpid(), 9)\n"
)


def test_a_storage_left_with_a_hot_journal_by_a_killed_writer_opens(tmp_path):
    db = tmp_path / "optuna.db"
    optuna.create_study(storage=f"sqlite:///{db}", study_name="s")
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=False)
    journal = tmp_path / "optuna.db-journal"
    assert journal.is_file() and journal.stat().st_size > 0  # hot: the file holds half a transaction
    storage = open_storage(resolve_storage(f"sqlite:///{db}"))
    assert optuna.get_all_study_names(storage) == ["s"]
    assert optuna.load_study(study_name="s", storage=storage).user_attrs == {}  # rolled back


def test_a_foreign_postgresql_database_is_refused_and_left_untouched(tmp_path, capsys, monkeypatch, postgres_url):
    import sqlalchemy as sa

    monkeypatch.chdir(tmp_path)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE studies (id INTEGER PRIMARY KEY, name TEXT)"))
    refused_in_one_line(capsys, ["--headless", "--storage", postgres_url],
                        "the database is not an Optuna storage (no version_info table; it holds 'studies')")
    assert sa.inspect(engine).get_table_names() == ["studies"]
    engine.dispose()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.asyncio
async def test_the_ui_shows_a_foreign_database_at_once(tmp_path, monkeypatch):
    """It used to sit on "Opening the study…" for the five minutes of retries."""
    from tinynas_tui.run.engine import OptunaEngine
    from tinynas_tui.run.options import RunOptions, validate
    from tinynas_tui.tui.factory import create_app
    from tinynas_tui.tui.screens.error import ErrorScreen

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "app.db"
    make_sqlite(db, *FOREIGN["own studies table"][0])
    before = fingerprint(db)
    app = create_app(OptunaEngine(validate(RunOptions(storage=f"sqlite:///{db}"))), trials=1)
    async with app.run_test(size=(120, 40)) as pilot:
        # at most ~10 s: the refusal needs no retry
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen), "the study failed to open", timeout=10)
        assert "is not an Optuna storage" in app.screen.message and app.state == "failed"
    assert fingerprint(db) == before


# -- a database file that cannot be written ---------------------------------------------------------


def optuna_db(folder):
    db = folder / "tinynas.db"
    optuna.create_study(storage=f"sqlite:///{db}", study_name="s")
    return db


def _can_chattr(path) -> bool:
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        return False
    probe = path / "probe"
    probe.touch()
    made = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, check=False).returncode == 0
    subprocess.run(["chattr", "-i", str(probe)], capture_output=True, check=False)
    probe.unlink()
    return made


@pytest.mark.parametrize("how", ["mode 0444", "chattr +i"])
def test_a_read_only_database_file_is_refused_at_start(tmp_path, capsys, monkeypatch, how):
    monkeypatch.chdir(tmp_path)
    db = optuna_db(tmp_path)
    if how == "mode 0444":
        if os.geteuid() == 0:
            pytest.skip("root writes to a 0444 file anyway: nothing to refuse (the other variants run as root)")
        db.chmod(0o444)
    else:
        if not _can_chattr(tmp_path):
            pytest.skip("needs root and a file system with the immutable flag (chattr +i)")
        subprocess.run(["chattr", "+i", str(db)], check=True)
    try:
        before = fingerprint(db)
        refused_in_one_line(capsys, ["--headless", "--trials", "1", "--storage", f"sqlite:///{db}"],
                            f"cannot write to {db}: ")
        assert fingerprint(db) == before
    finally:
        if how == "chattr +i":
            subprocess.run(["chattr", "-i", str(db)], check=True)
        db.chmod(0o644)


def test_a_read_only_bind_mount_of_the_database_file_is_refused_at_start(tmp_path):
    if not can_mount():
        pytest.skip("needs a private mount namespace (root): a real read-only mount of the file")
    db = optuna_db(tmp_path)
    before = fingerprint(db)
    script = (f"mount --bind {db} {db} && mount -o remount,ro,bind {db} && "
              f"{sys.executable} -m tinynas_tui --headless --trials 1 --storage sqlite:///{db}")
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300,
                            check=False, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"cannot write to {db}: Read-only file system" in result.stderr
    assert fingerprint(db) == before


def test_a_reader_still_opens_a_read_only_database_file(tmp_path):
    """Export reads a study; only the runs that write refuse a read-only file."""
    db = optuna_db(tmp_path)
    immutable = _can_chattr(tmp_path)  # as root a file mode stops nothing; the immutable flag does
    subprocess.run(["chattr", "+i", str(db)], check=True) if immutable else db.chmod(0o444)
    try:
        storage = open_storage(resolve_storage(f"sqlite:///{db}"), heartbeat=None, check_space=False)
        assert optuna.get_all_study_names(storage) == ["s"]
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(db)], check=True)
