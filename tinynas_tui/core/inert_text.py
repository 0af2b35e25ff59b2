"""Text from storage or a user's file made inert before it reaches a terminal or an exported file.

Anyone who can write to a shared study can put any string in it: a study name, a parameter choice, a
layer name, a trial's failure reason. A control character in one (``ESC ]0;…BEL`` retitles a terminal,
``ESC [2J`` blanks it, a bidirectional override reorders what is read) would act on whoever views it.
Every such string is shown with its control characters escaped (``\\x1b``, ``\\n``, ``\\u202e``), so it
reads as what it is and does nothing.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# C0 controls, DEL and C1 controls (U+009B is a one-character CSI), the bidirectional embeddings,
# overrides and isolates, and the line and paragraph separators.
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A),
             0x2028, 0x2029, 0x200E, 0x200F, 0x061C]
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _escape(code: int) -> str:
    if code in _NAMED:
        return _NAMED[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ONE_LINE = str.maketrans({code: _escape(code) for code in _CONTROLS})
_LINES = str.maketrans({code: _escape(code) for code in _CONTROLS if code not in (0x09, 0x0A)})


def inert(value: Any) -> str:
    """``value`` as one line of text with every control character escaped.

    For a single value (a name, a choice, a reason): a newline in it is shown as ``\\n`` rather than
    starting a line that could pass for one of the program's own.
    """
    text = value if isinstance(value, str) else str(value)
    return text if text.isprintable() else text.translate(_ONE_LINE)


def inert_lines(text: str) -> str:
    """``text`` with every control character escaped except newlines and tabs (for whole blocks)."""
    return text if text.isprintable() else text.translate(_LINES)


# JSON escapes the C0 controls itself; the rest as ``\\uXXXX``, which reads back as the same string.
_JSON = str.maketrans({code: f"\\u{code:04x}" for code in _CONTROLS if code >= 0x7F})


def inert_json(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with the controls JSON leaves raw escaped."""
    return text.translate(_JSON)


_C_COMMENT_END = re.compile(r"\*/")


def inert_c_comment(value: Any) -> str:
    """``value`` made safe inside a C block comment: inert, and no ``*/`` to end the comment early."""
    return _C_COMMENT_END.sub("* /", inert(value))


class InertStream:
    """A text stream that escapes control characters in all that is written to it (newlines and tabs
    pass), so nothing a program prints can drive the terminal by accident.

    Args:
        raw: The stream written to. Sequences the program means to send (a progress line's ``\\r``
            and erase-line) are written to `raw` directly.
    """

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(inert_lines(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, buffer…
        return getattr(self.raw, name)
