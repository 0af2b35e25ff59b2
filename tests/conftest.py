"""Shared fixtures: every test gets its own cache folder, so the user's cache is never touched."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def postgres_url():
    """A fresh, empty database on the PostgreSQL server named by TINYNAS_TEST_POSTGRES_URL.

    `.ci/run` starts that server on loopback (`.ci/postgres`); without it these tests skip, unless
    TINYNAS_REQUIRE_POSTGRES is set (as in CI), where they fail instead.
    """
    import os
    import uuid

    base = os.environ.get("TINYNAS_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("TINYNAS_REQUIRE_POSTGRES"):
            pytest.fail("TINYNAS_TEST_POSTGRES_URL is not set: start a server with `bash .ci/postgres start DIR`")
        pytest.skip("no PostgreSQL server (set TINYNAS_TEST_POSTGRES_URL; `bash .ci/postgres start DIR`)")
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = dict(host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database,
                 autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
