"""Storage URLs: validation without side effects, password masking, unreachable databases."""

from __future__ import annotations

import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.search.storage import mask_url, open_storage, resolve_storage, scrub


def test_default_storage_is_sqlite_in_runs_folder(tmp_path):
    target = resolve_storage(None, tmp_path / "runs")
    assert target.url == f"sqlite:///{tmp_path}/runs/tinynas.db"
    assert not (tmp_path / "runs").exists()  # resolving writes nothing
    open_storage(target)
    assert (tmp_path / "runs" / "tinynas.db").is_file()


@pytest.mark.parametrize("url, shown", [
    ("postgresql://alice:s3cret@db.example/optuna", "postgresql://alice:***@db.example/optuna"),
    ("postgresql://db/optuna?user=alice&password=s3cret", "postgresql://db/optuna?user=alice&password=***"),
    ("sqlite:///runs/x.db", "sqlite:///runs/x.db"),
])
def test_mask_url(url, shown):
    assert mask_url(url) == shown


PASSWORDS = ["se/cr3t", "se%2Fcr3t", "q1/q2/q3", "pw:rd", "pq%40ss", "%2F%2Fzz", "sp ace", "x?yz", "[br]"]


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("host", ["127.0.0.1:1", "db.example", "[::1]:5432"])
def test_mask_hides_the_password_sqlalchemy_reads(password, host):
    """The mask hides exactly what the URL parser takes for the password (``nas:se/cr3t@…`` included),
    in the URL and in a message quoting it, in the spelling of the URL and decoded."""
    from sqlalchemy.engine import make_url

    url = f"postgresql://nas:{password}@{host}/nas"
    secret = make_url(url).password
    assert secret  # the parser sees a password here
    masked = mask_url(url)
    assert masked.startswith("postgresql://nas:***@")
    assert make_url(masked).password == "***"  # nothing of the password is left outside the mask
    message = f"connection to {url} failed: password {secret!s} rejected; raw {password}"
    for shown in (scrub(message, url), masked):
        assert secret not in shown and password not in shown


def test_scrub_removes_password_quoted_in_a_message():
    url = "postgresql://alice:s3cret@db/optuna"
    assert "s3cret" not in scrub("auth failed for alice with s3cret", url)


@pytest.mark.parametrize("url, words", [
    ("not a url", "malformed storage URL"),
    ("sqlite:///:memory:", "needs a file path"),
    ("sqlite:////nonexistent-folder/x.db", "does not exist"),
])
def test_bad_urls_are_refused_before_anything_is_written(tmp_path, monkeypatch, url, words):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=words):
        resolve_storage(url)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_server_is_one_line_without_password(tmp_path):
    # Port 1 on loopback: nothing listens, so the connection is refused at once.
    target = resolve_storage("postgresql://alice:s3cret@127.0.0.1:1/optuna", tmp_path / "runs")
    with pytest.raises(UsageError) as err:
        open_storage(target)
    text = str(err.value)
    assert "cannot" in text and "s3cret" not in text and "\n" not in text


URL_CASES = [
    "sqlite:///runs/study.db", "sqlite:////abs/path/study.db", "sqlite://", "sqlite:///:memory:",
    "sqlite:///with%20space.db", "sqlite+pysqlite:///a.db", "postgresql://u:p@host/db",
    "postgresql+psycopg://u:p%40ss@127.0.0.1:55432/tinynas_test?sslmode=disable",
    "postgresql://u@[::1]:5432/db", "postgresql://host/db?password=s3cret", "mysql+pymysql://u:p@h:3306/d",
    "postgresql://u:p@host:55x/db", "postgresql://u:p@host:/db", "not a url", "", "://x", "sqlite:/x.db",
    "sqlite:///", "postgresql://", "weird-name://h/d", "postgresql://u:p@h/d/e?x=1&x=2",
]


@pytest.mark.parametrize("url", URL_CASES)
def test_url_form_reads_urls_as_sqlalchemy_does(url):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from tinynas_tui.search.storage import url_form

    try:
        parsed = make_url(url)
        expected = (parsed.get_backend_name(), parsed.database)
    except (ArgumentError, ValueError):
        expected = "refused"
    try:
        got = url_form(url)
    except ValueError:
        got = "refused"
    assert got == expected


def test_checking_a_storage_url_imports_no_sqlalchemy(tmp_path):
    import subprocess
    import sys

    code = ("import sys\nfrom tinynas_tui.search.storage import resolve_storage\n"
            f"resolve_storage('sqlite:///{tmp_path}/s.db'); resolve_storage('postgresql://u:p@h:5432/d')\n"
            "print('sqlalchemy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
