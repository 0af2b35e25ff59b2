"""Trials of the same architecture: groups of trials whose model-shaping parameters are equal.

Each group is named by its first (lowest-numbered) trial, so a row can say "≡4": the same architecture
as trial 4. Trials are added once each (their parameters never change); a group label costs one tuple
and one dict lookup per trial.
"""

from __future__ import annotations

import bisect
from typing import Any

from tinynas_tui.core.space import architecture_key


_NONE: frozenset[int] = frozenset()


class ArchitectureGroups:
    """Trial numbers grouped by `architecture_key`; only groups of two or more trials are labelled."""

    def __init__(self) -> None:
        # Each trial's group: its members' list itself, shared (a key of its own per trial would keep
        # 50,000 sets alive, and the garbage collector walking them).
        self._group_of: dict[int, list[int]] = {}
        self._members: dict[tuple, list[int]] = {}  # key -> trial numbers, lowest first

    def __contains__(self, number: int) -> bool:
        return number in self._group_of

    def add(self, number: int, params: dict[str, Any]) -> set[int] | frozenset[int]:
        """Add a trial (once: a trial already added, or with unknown parameters, is skipped).

        Returns:
            The trials whose label changed (the group got its second member, or a new first one).
        """
        if number in self._group_of:
            return _NONE
        key = architecture_key(params)
        if key is None:
            return _NONE
        members = self._members.get(key)
        if members is None:
            self._members[key] = self._group_of[number] = [number]
            return _NONE
        self._group_of[number] = members
        first = members[0]
        if number > members[-1]:
            members.append(number)  # the usual case: trials arrive in number order
        else:
            bisect.insort(members, number)
        if len(members) == 2 or members[0] != first:
            return set(members)  # every member's label is new
        return {number}

    def label(self, number: int) -> int | None:
        """The first trial of this trial's architecture (None: no other trial shares it, or unknown)."""
        members = self._group_of.get(number)
        return members[0] if members is not None and len(members) > 1 else None

    def same_as(self, number: int) -> list[int]:
        """The other trials of the same architecture, lowest first."""
        return [n for n in self._group_of.get(number, ()) if n != number]

    def clear(self) -> None:
        self._group_of.clear()
        self._members.clear()

