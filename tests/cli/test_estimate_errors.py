"""``tinynas-tui estimate`` refuses what it cannot estimate with exit code 2 and one line."""

from __future__ import annotations

import pytest

from tinynas_tui.cli import main


@pytest.fixture
def files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.tflite").write_bytes(b"\x1c\x00\x00\x00TFL3" + b"\xff" * 40)
    return tmp_path


@pytest.mark.parametrize("args, words", [
    (["missing.tflite"], "cannot read"),
    (["."], "is a folder"),
    (["notes.txt"], "not a TFLite model"),
    (["broken.tflite"], "not a readable TFLite model"),
    (["notes.txt", "--target", "pdp11"], "unknown target 'pdp11'"),
    (["notes.txt", "--core", "cortex-a53", "--clock-mhz", "1000"], "unknown core 'cortex-a53'"),
    (["notes.txt", "--core", "cortex-m4"], "--core and --clock-mhz go together"),
    (["notes.txt", "--target", "m4-1m", "--core", "cortex-m4", "--clock-mhz", "64"], "not both"),
    (["notes.txt", "--core", "cortex-m4", "--clock-mhz", "-5"], "positive number"),
])
def test_bad_input_is_one_line_and_exit_2(files, monkeypatch, capsys, args, words):
    monkeypatch.chdir(files)
    assert main(["estimate", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("tinynas-tui: ") and words in err
