"""`inert`: control characters of every kind shown escaped, printable text untouched."""

from __future__ import annotations

import json

import pytest

from tinynas_tui.core.inert_text import InertStream, inert, inert_c_comment, inert_json, inert_lines


@pytest.mark.parametrize("raw, shown", [
    ("\x1b]0;PWNED\x07", "\\x1b]0;PWNED\\x07"),  # OSC: retitles the terminal
    ("\x1b[2J", "\\x1b[2J"),  # CSI: blanks it
    ("\x9b2J", "\\x9b2J"),  # the one-character C1 CSI
    ("a\u202eb", "a\\u202eb"),  # a bidirectional override
    ("line\nfake line", "line\\nfake line"),
    ("tab\tcr\rdel\x7f", "tab\\tcr\\rdel\\x7f"),
])
def test_controls_are_escaped(raw, shown):
    assert inert(raw) == shown


@pytest.mark.parametrize("text", ["relu", "µs × 10 — ✓ ★", "[bold]x[/]", "", "日本語", "a\u00a0b"])
def test_printable_text_is_unchanged(text):
    assert inert(text) == text and inert_lines(text) == text


def test_blocks_keep_their_lines():
    assert inert_lines("one\n\ttwo\x1b[2J\n") == "one\n\ttwo\\x1b[2J\n"


def test_json_stays_exact():
    value = "a\x1b[2J\x9b\u202e\n"
    text = inert_json(json.dumps({"k": value}, ensure_ascii=False))
    assert json.loads(text)["k"] == value
    assert not any(ch in text for ch in ("\x1b", "\x9b", "\u202e"))


def test_c_comment_cannot_be_ended():
    assert "*/" not in inert_c_comment("x */ int evil; /*")


def test_stream_escapes_what_is_written(capsys):
    import sys

    stream = InertStream(sys.stdout)
    stream.write("ok\n\x1b]0;PWNED\x07\n")
    stream.flush()
    assert capsys.readouterr().out == "ok\n\\x1b]0;PWNED\\x07\n"
