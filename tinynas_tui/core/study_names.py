"""The name of the study a space edit starts: the old name and what changed, e.g.
``mnist-5k-single-conv-quick-num_filters=8,32`` or ``...-epochs=3``.

Short and readable rather than complete: the changes are named in the space's order (parameters, then
pipeline settings), as many whole ones as fit in `MAX_SUFFIX` characters, then ``-and-N-more``. A name
already taken gets ``-2``, ``-3``... (`free_name`). The whole name stays within the storage's limit.
"""

from __future__ import annotations

from typing import Any, Iterable

from tinynas_tui.core.space import Categorical, FloatRange, IntRange, SearchSpace

MAX_SUFFIX = 40
"""Characters of changes a new name carries at most (before ``-and-N-more``)."""
MAX_NAME = 512
"""Optuna's VARCHAR(512) study names (`tinynas_tui.search.study.MAX_NAME_LENGTH`; a test holds them equal)."""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _param_text(param: Any) -> str:
    """A parameter's values, short: ``8,32`` for choices, ``16..128`` for a range."""
    if isinstance(param, Categorical):
        return ",".join(_value(c) for c in param.choices)
    if isinstance(param, (IntRange, FloatRange)):
        return f"{_value(param.low)}..{_value(param.high)}"
    return "changed"


def changes(old_space: SearchSpace, new_space: SearchSpace, old_pipeline: Any, new_pipeline: Any) -> list[str]:
    """What an edit changed, one ``name=values`` per parameter or pipeline setting, in the space's order."""
    old_params = {p.name: p for p in old_space.params}
    out = [new_space.name] if new_space.name != old_space.name else []  # another space file
    out += [f"{p.name}={_param_text(p)}" for p in new_space.params if old_params.get(p.name) != p]
    old_settings, new_settings = old_pipeline.to_dict(), new_pipeline.to_dict()
    out += [f"{key}={_value(value)}" for key, value in new_settings.items()
            if key != "name" and old_settings.get(key) != value]
    return out


def edited_name(old_name: str, changed: list[str]) -> str:
    """``old_name`` and the changes that fit (or just ``old_name`` when none is named: `free_name` numbers it)."""
    suffix, shown = "", 0
    for text in changed:
        longer = f"{suffix}-{text}"
        if len(longer) > MAX_SUFFIX and shown:
            break
        if len(longer) > MAX_SUFFIX:  # even the first change alone is long: cut it
            longer = longer[:MAX_SUFFIX]
        suffix, shown = longer, shown + 1
    if shown < len(changed):
        suffix += f"-and-{len(changed) - shown}-more"
    room = MAX_NAME - len(suffix) - len("-999")  # room for free_name's number
    return old_name[:room] + suffix


def free_name(base: str, taken: Iterable[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... : the first that no study of ``taken`` has."""
    taken = set(taken)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
