"""Which trials the table shows: a filter of plain conditions over records and the current ranking.

Written as the user types it, words and ``name=value`` conditions separated by commas or spaces:
``complete, front, budgets, num_filters=16``. ``complete``: complete trials only; ``budgets``: complete
trials that meet every budget; ``front``: trials on the Pareto front; ``name=value``: trials whose
parameter has that value (a trial whose parameters are not known yet does not match). No Textual here,
so the rule is tested on its own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.errors import UsageError

# The words of each toggle (the first is how the filter is described).
WORDS: dict[str, tuple[str, ...]] = {
    "complete": ("complete", "done", "c"),
    "within_budgets": ("within budgets", "budgets", "budget", "within", "fits", "b"),
    "on_front": ("on front", "front", "pareto", "p"),
}
_CONDITION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.+)$")


@dataclass(frozen=True)
class TrialFilter:
    """Conditions a trial must all meet to be shown; the empty filter shows every trial."""

    complete: bool = False
    within_budgets: bool = False
    on_front: bool = False
    params: tuple[tuple[str, str], ...] = ()
    """(parameter name, the value as typed)."""

    @property
    def active(self) -> bool:
        return self.complete or self.within_budgets or self.on_front or bool(self.params)

    @property
    def uses_ranking(self) -> bool:
        """True if whether a trial matches can change with the ranking (its front or budgets)."""
        return self.within_budgets or self.on_front

    def matches(self, record: TrialRecord, ranking: Ranking) -> bool:
        """Whether the table shows ``record`` under ``ranking``."""
        if self.complete and record.state != "complete":
            return False
        if self.within_budgets and record.number not in ranking.feasible:
            return False
        if self.on_front and record.number not in ranking.front:
            return False
        params = record.params
        for name, wanted in self.params:
            if name not in params or not value_matches(params[name], wanted):
                return False
        return True

    def describe(self) -> str:
        """The filter in words, as it can be typed again: ``complete, on front, num_filters=16``."""
        words = [WORDS[flag][0] for flag in WORDS if getattr(self, flag)]
        return ", ".join(words + [f"{name}={value}" for name, value in self.params])


def parse_filter(text: str, names: Iterable[str] | None = None) -> TrialFilter:
    """A filter from what the user typed (see the module's docstring).

    Args:
        text: Words and ``name=value`` conditions, separated by commas.
        names: The study's parameter names; a condition on another name is refused. None: any name.

    Raises:
        UsageError: A word that is no toggle, or a parameter the space does not have.
    """
    known = None if names is None else tuple(names)
    flags = dict.fromkeys(WORDS, False)
    params: list[tuple[str, str]] = []
    for part in _parts(text):
        condition = _CONDITION.match(part)
        if condition:
            name, value = condition.groups()
            if known is not None and name not in known:
                raise UsageError(f"unknown parameter {name!r}; the space has {', '.join(known) or 'none'}")
            params.append((name, value))
            continue
        flag = next((flag for flag, words in WORDS.items() if part.lower() in words), None)
        if flag is None:
            raise UsageError(f"{part!r} is not a filter: use complete, budgets, front or name=value")
        flags[flag] = True
    return TrialFilter(**flags, params=tuple(params))


def _parts(text: str) -> list[str]:
    """Words and ``name=value`` conditions, separated by commas or spaces (``complete front``); the
    two-word toggles ``within budgets`` and ``on front`` stay one."""
    text = re.sub(r"\s*=\s*", "=", text)
    for phrase in ("within budgets", "on front"):
        text = re.sub(phrase.replace(" ", r"\s+"), phrase.replace(" ", "\0"), text, flags=re.IGNORECASE)
    return [part.replace("\0", " ") for part in re.split(r"[,\s]+", text) if part]


def value_matches(value: Any, wanted: str) -> bool:
    """Whether a parameter's value is the one typed: numbers by value to 6 significant digits (as the
    detail shows them; ``16`` matches 16.0), true/false for switches, text exactly."""
    if isinstance(value, bool):
        return wanted.lower() in (("true", "yes", "1", "on") if value else ("false", "no", "0", "off"))
    if isinstance(value, (int, float)):
        try:
            number = float(wanted)
        except ValueError:
            return False
        return math.isclose(float(value), number, rel_tol=5e-7, abs_tol=0.0) or float(value) == number
    return str(value) == wanted


__all__ = ["TrialFilter", "parse_filter", "value_matches"]
