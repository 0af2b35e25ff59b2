"""Study and parameter names longer than Optuna's schema holds (512 characters) are refused before anything is
written, on every backend: PostgreSQL used to fail mid-run with StorageInternalError, after writing the
study (and, for a parameter name, a FAIL trial)."""

from __future__ import annotations

import pytest
from space_files import space_text

from tinynas_tui.cli import main
from tinynas_tui.search.study import MAX_NAME_LENGTH


def test_the_limit_is_optunas_column_width():
    from optuna.storages._rdb import models

    assert MAX_NAME_LENGTH == models.MAX_INDEXED_STRING_LENGTH
    assert models.StudyModel.__table__.c.study_name.type.length == MAX_NAME_LENGTH
    assert models.TrialParamModel.__table__.c.param_name.type.length == MAX_NAME_LENGTH


def _tables(url):
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/study.db"
    return request.getfixturevalue("postgres_url")


CASES = {
    "study name": (lambda tmp: ["--study", "s" * 513],
                   "the study name is 513 characters long; Optuna's storage holds at most 512"),
    "parameter name": (lambda tmp: ["--space", str(tmp / "long.toml")],
                       "parameter 'pppppppppppppppppppppppppppppppppppppppp'... is 600 characters long; Optuna's "
                       "storage holds parameter names of at most 512"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_name_too_long_is_refused_before_anything_is_written(tmp_path, capsys, monkeypatch, storage_url, case):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "long.toml").write_text(space_text(**{"p" * 600: 'type = "categorical"\nchoices = [1, 2]'}))
    args, words = CASES[case]
    assert main(["--headless", "--trials", "1", "--storage", storage_url, *args(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("tinynas-tui: ") and err.count("\n") == 1 and words in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.toml"]  # no database file, no runs folder
    if storage_url.startswith("postgresql"):
        assert _tables(storage_url) == []  # no study, no trial, not even Optuna's tables


def test_a_name_of_exactly_the_limit_is_stored(tmp_path):
    import optuna

    from tinynas_tui.core.space import SINGLE_CONV
    from tinynas_tui.search.study import StudyDefinition, create

    name = "s" * MAX_NAME_LENGTH
    create(f"sqlite:///{tmp_path}/s.db", name, StudyDefinition(SINGLE_CONV, {}, {}))
    assert optuna.get_all_study_names(f"sqlite:///{tmp_path}/s.db") == [name]
