"""What a search space may hold: its size limits, and the valid values of each known parameter.

One table (`PARAM_RULES`) says, for every parameter a model builder or the trial reads, what kind of value
it takes and in what range; the space file parser, the UI's space editor (through the same parser) and the
CLI all check with it, so a value the builders cannot use (a batch size of 0, dropout 1.0, a negative
learning rate) is refused in one line before a study exists. Parameters outside the table are passed on
untouched, but their choices must still be of one kind: numbers, strings, or true/false.

The limits keep a space small enough to check at once: a space file is read whole and every choice ends
up in each trial's stored distributions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tinynas_tui.errors import UsageError

MAX_PARAMS = 100
"""Parameters in one space (the model families read at most 9)."""
MAX_CHOICES = 1000
"""Choices of one categorical parameter (an int range has no such limit: it is two numbers)."""
MAX_CHOICE_CHARS = 100
"""Characters of one string choice."""
MAX_SPACE_FILE_BYTES = 1024 * 1024
"""Size of a space file, checked before it is read."""


@dataclass(frozen=True)
class ValueRule:
    """The values one parameter may take.

    Attributes:
        kind: ``int`` (whole numbers; an int range or integer choices), ``float`` (any number; a range of
            either kind or number choices) or ``bool`` (true/false choices).
        low, high: The bounds (unused for ``bool``).
        low_open, high_open: The bound itself is excluded (``dropout < 1``, ``lr > 0``).
    """

    kind: str
    low: float = 0.0
    high: float = 0.0
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        """The rule in words: ``a whole number from 1 to 1024``, ``a number above 0, at most 1``."""
        if self.kind == "bool":
            return "true or false"
        what = "a whole number" if self.kind == "int" else "a number"
        if not (self.low_open or self.high_open):
            return f"{what} from {self.low:g} to {self.high:g}"
        low = f"above {self.low:g}" if self.low_open else f"at least {self.low:g}"
        high = f"below {self.high:g}" if self.high_open else f"at most {self.high:g}"
        return f"{what} {low}, {high}"

    def admits(self, value: Any) -> bool:
        """Whether one value (a choice, or a range's bound) is valid."""
        if self.kind == "bool":
            return isinstance(value, bool)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "int" and not isinstance(value, int):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return math.isfinite(value) and above and below


PARAM_RULES: dict[str, ValueRule] = {
    "num_filters": ValueRule("int", 1, 1024),
    "init_filters": ValueRule("int", 1, 1024),
    "kernel_size": ValueRule("int", 1, 15),
    "dense_units": ValueRule("int", 1, 4096),
    "batch_size": ValueRule("int", 1, 4096),
    "n_blocks": ValueRule("int", 1, 8),
    "layers_per_block": ValueRule("int", 1, 8),
    "n_dense": ValueRule("int", 0, 8),
    "dropout": ValueRule("float", 0, 1, high_open=True),
    "lr": ValueRule("float", 0, 1, low_open=True),
    "separable": ValueRule("bool"),
    "separable_stem": ValueRule("bool"),
    "batch_norm": ValueRule("bool"),
    "stem_stride": ValueRule("int", 1, 4),
}
"""Every parameter the builders (`tinynas_tui.pipeline.models`) or the trial read, with its valid values.
The README's table of parameters is this one."""


def check_param_count(count: int, where: str) -> None:
    """Refuse a space of more than `MAX_PARAMS` parameters (before any of them is read)."""
    if count > MAX_PARAMS:
        raise UsageError(f"{where}: {count} parameters; a space has at most {MAX_PARAMS}")


def check_choices(choices: list[Any], where: str, name: str) -> None:
    """The choices of a categorical parameter: few enough, of one kind, none repeated, each valid.

    Booleans are not numbers here (Python counts ``True == 1``), so ``[1, true]`` is two kinds; 1 and 1.0
    are the same number, so ``[1, 1.0]`` repeats.
    """
    if len(choices) > MAX_CHOICES:
        raise UsageError(f"{where}: {len(choices)} choices; a parameter has at most {MAX_CHOICES}")
    kinds = {_kind(c) for c in choices}
    if None in kinds:
        raise UsageError(f"{where}: choices must be numbers, strings or booleans")
    if len(kinds) > 1:
        raise UsageError(f"{where}: choices mix {' and '.join(sorted(kinds))}; expected one kind "
                         "(all numbers, all strings, or all true/false)")
    if "numbers" in kinds and not all(math.isfinite(c) for c in choices):
        raise UsageError(f"{where}: choices must be finite numbers")
    if "strings" in kinds and any(len(c) > MAX_CHOICE_CHARS for c in choices):
        raise UsageError(f"{where}: a string choice has at most {MAX_CHOICE_CHARS} characters")
    if len(set(choices)) != len(choices):
        raise UsageError(f"{where}: choices must not repeat")
    rule = PARAM_RULES.get(name)
    if rule is not None:
        bad = next((c for c in choices if not rule.admits(c)), None)
        if bad is not None:
            raise UsageError(f"{where}: choice {_shown(bad)} is out of range; expected {rule.describe()}")


def check_range(kind: str, low: float, high: float, where: str, name: str) -> None:
    """An int or float range of parameter ``name``: of a kind it takes, both bounds valid."""
    rule = PARAM_RULES.get(name)
    if rule is None:
        return
    if rule.kind == "bool":
        raise UsageError(f"{where}: expected choices true, false (it is a switch), not a range")
    if rule.kind == "int" and kind != "int":
        raise UsageError(f"{where}: expected an int range (whole-number bounds, like 4..64) or whole-number "
                         "choices, not a float range")
    for bound in (low, high):
        if not rule.admits(bound):
            raise UsageError(f"{where}: bound {bound:g} is out of range; expected {rule.describe()}")


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "numbers"
    if isinstance(value, str):
        return "strings"
    return None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
