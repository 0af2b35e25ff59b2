"""Which storage errors are waited out, for real: a held lock and a dropped connection are; a full disk, a
missing table, a read-only database and a value too long fail at once; an interrupt ends the waiting."""

from __future__ import annotations

import sqlite3
import threading

import optuna
import pytest
from optuna.study import StudyDirection

from tinynas_tui.search.storage import RetryingRDBStorage, failure_line, transient

optuna.logging.set_verbosity(optuna.logging.ERROR)
DIRECTIONS = [StudyDirection.MAXIMIZE]


class Waits(list):
    """The on_retry listener: every (reason, seconds) the storage announced before waiting."""

    def __call__(self, reason, seconds):
        self.append((reason, seconds))


def sqlite_storage(db, waits, url=None, retry_for_s=30.0):
    # SQLite's own busy wait kept short: the test is about the retry loop above it.
    return RetryingRDBStorage(url or f"sqlite:///{db}", engine_kwargs={"connect_args": {"timeout": 0.05}},
                              on_retry=waits, retry_for_s=retry_for_s)


@pytest.fixture
def study_db(tmp_path):
    db = tmp_path / "study.db"
    storage = optuna.storages.RDBStorage(f"sqlite:///{db}")
    study_id = storage.create_new_study(DIRECTIONS, "s")
    storage.create_new_trial(study_id)
    storage.engine.dispose()
    return db


def test_a_full_disk_fails_at_once(study_db):
    from sqlalchemy import event

    waits = Waits()
    storage = sqlite_storage(study_db, waits)

    @event.listens_for(storage.engine, "connect")
    def no_room_to_grow(dbapi_connection, record):
        # SQLite's real SQLITE_FULL: the file may not grow past the pages it has.
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    storage.engine.dispose()
    with pytest.raises(Exception) as err:
        storage.set_trial_user_attr(1, "layers", "x" * 500_000)
    assert failure_line(err.value) == "database or disk is full"
    assert transient(err.value) is None and waits == []
    from tinynas_tui.run.study_process import _error_line

    # The UI's error dialog gets that one line, not Optuna's wrapping and the SQL statement.
    assert _error_line(err.value, f"sqlite:///{study_db}") == "the storage failed: database or disk is full"


def test_a_missing_table_fails_at_once(study_db):
    waits = Waits()
    storage = sqlite_storage(study_db, waits)
    with sqlite3.connect(study_db) as db:
        db.execute("DROP TABLE trial_values")
    with pytest.raises(Exception) as err:
        storage.get_all_trials(1)
    assert failure_line(err.value) == "no such table: trial_values" and waits == []


def test_a_read_only_database_fails_at_once(study_db):
    waits = Waits()
    storage = sqlite_storage(study_db, waits, url=f"sqlite:///file:{study_db}?mode=ro&uri=true")
    with pytest.raises(Exception) as err:
        storage.create_new_study(DIRECTIONS, "another")
    assert failure_line(err.value) == "attempt to write a readonly database" and waits == []


def hold_lock(db):
    """Another program holding the database: an exclusive transaction on its own connection."""
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    return other


def test_a_held_lock_is_waited_out(study_db):
    class LetGoAfterTheFirstWait(Waits):
        def __call__(self, reason, seconds):
            super().__call__(reason, seconds)
            if len(self) == 1:
                other.execute("COMMIT")

    waits = LetGoAfterTheFirstWait()
    storage = sqlite_storage(study_db, waits)
    other = hold_lock(study_db)
    assert storage.create_new_study(DIRECTIONS, "another") == 2
    assert [reason for reason, _ in waits] == ["database is locked"]
    other.close()


def test_an_interrupt_ends_the_wait_for_a_lock_and_later_calls_are_tried_once(study_db):
    waiting = threading.Event()

    class Announce(Waits):
        def __call__(self, reason, seconds):
            super().__call__(reason, seconds)
            waiting.set()

    waits = Announce()
    storage = sqlite_storage(study_db, waits, retry_for_s=300.0)
    other = hold_lock(study_db)  # held to the end of the test: only the interrupt can end the wait
    raised = []

    def call():
        try:
            storage.create_new_study(DIRECTIONS, "another")
        except Exception as err:  # noqa: BLE001 - the test looks at it
            raised.append(err)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    assert waiting.wait(60), "the storage never waited for the lock"
    storage.interrupt()
    thread.join(60)
    assert not thread.is_alive(), "the wait went on after the interrupt (its budget is 300 s)"
    assert failure_line(raised[0]) == "database is locked"
    count = len(waits)
    with pytest.raises(Exception):
        storage.get_all_studies()  # the lock is still held: tried once, not waited for
    assert len(waits) == count
    other.close()


def test_postgresql_admin_shutdown_is_retried_but_a_value_too_long_is_not(postgres_url):
    import psycopg
    from sqlalchemy.engine import make_url

    waits = Waits()
    storage = RetryingRDBStorage(postgres_url, on_retry=waits, retry_for_s=60.0)
    storage.create_new_study(DIRECTIONS, "s")
    url = make_url(postgres_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname=url.database, autocommit=True) as admin:
        # What a server restart or an administrator does to the storage's pooled connections.
        ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                              "datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert ended >= 1
    assert storage.get_study_id_from_name("s") == 1  # after one wait, on a fresh connection
    assert len(waits) == 1 and "terminating connection due to administrator command" in waits[0][0]
    with pytest.raises(Exception) as err:
        storage.create_new_study(DIRECTIONS, "n" * 600)
    assert "value too long" in failure_line(err.value) and len(waits) == 1
    storage.engine.dispose()


def test_a_refused_connection_is_a_lost_connection_not_a_lock():
    import sqlalchemy as sa

    engine = sa.create_engine("postgresql://u:p@127.0.0.1:1/db")  # nothing listens on port 1
    with pytest.raises(sa.exc.OperationalError) as err:
        engine.connect()
    found = transient(err.value)
    assert found is not None and not found.lock
