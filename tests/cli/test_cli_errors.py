"""Bad input: exit code 2, one short line, nothing created, no password shown."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tinynas_tui.cli import main
from tinynas_tui.errors import UsageError

BAD_ARGS = [
    (["--dataset", "imagenet"], "unknown dataset 'imagenet'"),
    (["--space", "wide"], "unknown space 'wide'"),
    (["--space", "missing.toml"], "cannot read space file"),
    (["--space", "bad.toml"], "not valid TOML"),
    (["--dataset", "pickled.npz"], "pickled"),
    (["--dataset", "garbage.npz"], "garbage.npz"),
    (["--weights", "100,abc,0.1"], "--weights"),
    (["--trials", "0"], "positive whole number"),
    (["--trials", "-3"], "positive whole number"),
    (["--trials", "many"], "positive whole number"),
    (["--storage", "not a url"], "malformed storage URL"),
    (["--storage", "sqlite:////no/such/folder/x.db"], "does not exist"),
    (["--storage", "postgresql://bob:hunter2@127.0.0.1:1/optuna"], "cannot"),
    (["--storage", "postgresql://127.0.0.1:1/optuna?user=bob&password=hunter2"], "cannot"),
    (["--pipeline", "slow"], "unknown pipeline 'slow'"),
    (["--quantization", "float16"], "invalid choice"),
    (["--trial-timeout", "0"], "positive number"),
    (["--target", "pdp11"], "unknown target 'pdp11'"),
    (["--sampler", "annealing"], "unknown sampler 'annealing'"),
    (["--sampler", "grid"], "is a float range"),
    (["--pipeline", "bad.toml"], "not valid TOML"),
    (["--max-ram-kb", "-1"], "positive number"),
    (["--confirm", "-1"], "argument --confirm: expected 0 or a positive whole number, got '-1'"),
    (["--confirm-repeats", "0"], "argument --confirm-repeats: expected a positive whole number, got '0'"),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "bad.toml").write_text("not [ toml")
    np.savez(tmp_path / "pickled.npz", x_train=np.array([{"a": 1}], dtype=object),
             y_train=np.zeros(1), x_test=np.zeros((1, 2, 2)), y_test=np.zeros(1))
    (tmp_path / "garbage.npz").write_bytes(b"not a zip file")
    return tmp_path


@pytest.mark.parametrize("args, words", BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_input_exits_2_with_one_line(workdir, capsys, args, words):
    before = sorted(p.name for p in workdir.iterdir())
    argparse_errors = ("--trials", "--quantization", "--trial-timeout", "--max-ram-kb", "--confirm", "--confirm-repeats")
    with pytest.raises(SystemExit) if args[0] in argparse_errors else _no_raise():
        code = main(["--headless", *args])
        assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("tinynas-tui: ")
    assert words in err
    assert "hunter2" not in err and "Traceback" not in err
    assert sorted(p.name for p in workdir.iterdir()) == before  # no study, no runs folder


class _no_raise:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_argparse_errors_exit_2(workdir, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--headless", "--trials", "0"])
    assert exit_info.value.code == 2


def test_resume_with_a_different_space_is_refused(workdir, capsys):
    from dataclasses import replace

    from tinynas_tui.run.options import RunOptions, validate
    from tinynas_tui.run.setup import open_run
    from tinynas_tui.core.space import SINGLE_CONV, Categorical

    open_run(validate(RunOptions(study="s")))
    other = workdir / "other.toml"
    narrower = (Categorical("num_filters", (8,)),) + SINGLE_CONV.params[1:]
    replace(SINGLE_CONV, params=narrower).save(other)
    assert main(["--headless", "--study", "s", "--space", str(other)]) == 2
    err = capsys.readouterr().err
    assert "has a different space" in err and err.count("\n") == 1


def test_a_study_stored_before_newer_pipeline_settings_resumes_with_its_preset_named(workdir):
    from tinynas_tui.run.options import RunOptions, validate
    from tinynas_tui.run.setup import open_run

    first = open_run(validate(RunOptions(study="s")))
    older = {k: v for k, v in first.study.user_attrs["pipeline"].items()
             if not k.startswith(("augment", "early_stopping", "reduce_lr")) and k not in ("validation_split",
                                                                                           "patience")}
    first.study.set_user_attr("pipeline", older)
    again = open_run(validate(RunOptions(study="s", pipeline="quick")))
    assert not again.created and again.definition.pipeline == older  # trained as stored
    with pytest.raises(UsageError, match="has a different pipeline"):
        open_run(validate(RunOptions(study="s", pipeline="converge")))


def test_python_dash_m_is_the_same_entry_point(workdir):
    result = subprocess.run([sys.executable, "-m", "tinynas_tui", "--headless", "--dataset", "nope"],
                            capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("tinynas-tui: unknown dataset 'nope'")


def test_ui_mode_refuses_bad_input_before_opening_a_screen(workdir, capsys):
    assert main(["--dataset", "imagenet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tinynas-tui: unknown dataset") and err.count("\n") == 1


def test_progress_line_only_on_a_terminal():
    import io

    from tinynas_tui.run.headless import ProgressLine
    from tinynas_tui.core.events import EpochEnded, StageStarted

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        line = ProgressLine(stream)
        line(StageStarted(3, "teacher"))
        line(EpochEnded(3, "distill", 2, 10))
        line.clear()
    assert "trial 3 · teacher" in tty.getvalue() and "trial 3 · distill · epoch 2/10" in tty.getvalue()
    assert tty.getvalue().endswith("\r\x1b[K")
    assert pipe.getvalue() == ""
