"""`tinynas-tui --help` names every command, and each command's own help is where it says."""

from __future__ import annotations

import contextlib
import io

import pytest

from tinynas_tui.cli import COMMANDS, main


def help_of(argv: list[str]) -> str:
    """What ``tinynas-tui ARGV`` prints; it must succeed (some commands return, some exit)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exited:
            code = exited.code
    assert code == 0
    return out.getvalue()


def test_the_search_help_names_every_command_with_what_it_does():
    text = help_of(["--help"])
    for name, summary in COMMANDS.items():
        assert f"tinynas-tui {name}" in text
        assert summary in text
    assert "--jobs" in text


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_has_its_own_help(name):
    assert help_of([name, "--help"]).startswith(f"usage: tinynas-tui {name}")
