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
