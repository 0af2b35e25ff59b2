"""Stored text an attacker with write access to a shared study would plant: terminal escapes (retitle,
blank the screen, a one-byte C1 CSI, a bidirectional override) and Textual/Rich markup (style, link,
click action, a closing tag that raises)."""

from __future__ import annotations

import json
import sqlite3

ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x9b31m\u202e"
MARKUP = "[bold red]X[/][link=https://evil.example]l[/link][@click=app.quit]q[/][/x]"
EVIL = ESCAPES + MARKUP
RAW = ("\x1b", "\x07", "\x9b", "\u202e")
"""Characters that must never reach a terminal or a file raw."""
SHOWN = ("\\x1b]0;PWNED\\x07", "\\x1b[2J", "\\x9b31m", "\\u202e")
"""How they are shown instead."""
ESCAPED = str.maketrans({0x1B: "\\x1b", 0x07: "\\x07", 0x9B: "\\x9b", 0x202E: "\\u202e"})
"""``text.translate(ESCAPED)``: EVIL as shown."""


def assert_inert(text: str, where: str = "output") -> None:
    found = [repr(ch) for ch in RAW if ch in text]
    assert not found, f"{where} carries raw {', '.join(found)}"


def space_toml(**extra: str) -> str:
    """The quick single-conv space plus one-choice categoricals named by ``extra`` (TOML escapes them:
    JSON's ``\\uXXXX`` escapes are TOML's too)."""
    tags = "".join(f'[params.{name}]\ntype = "categorical"\nchoices = [{json.dumps(choice)}]\n'
                   for name, choice in extra.items())
    return ('model = "single-conv"\n'
            '[params.num_filters]\ntype = "categorical"\nchoices = [8]\n'
            '[params.kernel_size]\ntype = "categorical"\nchoices = [3]\n'
            '[params.dense_units]\ntype = "categorical"\nchoices = [32]\n'
            '[params.dropout]\ntype = "float"\nlow = 0.0\nhigh = 0.3\n'
            '[params.lr]\ntype = "float"\nlow = 1e-4\nhigh = 1e-2\nlog = true\n'
            '[params.batch_size]\ntype = "categorical"\nchoices = [16]\n' + tags)


def plant(db_path, number: int, reason: str = EVIL, layer: str = EVIL) -> None:
    """Make trial ``number`` a FAIL with ``reason``, and give it a layer named ``layer``, as someone
    writing straight to the database would (Optuna refuses to change a finished trial)."""
    con = sqlite3.connect(db_path)
    with con:
        (trial_id,) = con.execute("SELECT trial_id FROM trials WHERE number = ?", (number,)).fetchone()
        con.execute("UPDATE trials SET state = 'FAIL' WHERE trial_id = ?", (trial_id,))
        con.execute("DELETE FROM trial_values WHERE trial_id = ?", (trial_id,))
        layers = [{"name": layer, "type": "Conv2D", "output_shape": [None, 26, 26, 8], "params": 80}]
        for key, value in (("fail_stage", "train"), ("fail_reason", reason), ("layers", layers)):
            con.execute("DELETE FROM trial_user_attributes WHERE trial_id = ? AND key = ?", (trial_id, key))
            con.execute("INSERT INTO trial_user_attributes (trial_id, key, value_json) VALUES (?, ?, ?)",
                        (trial_id, key, json.dumps(value)))
    con.close()
