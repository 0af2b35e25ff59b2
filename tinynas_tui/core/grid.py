"""Exhaustive grids over a search space: every distinct model, for the ``grid`` sampler.

A grid crosses every categorical choice and every int-range value (``range(low, high + 1, step)``; a log
int range enumerates all its values). Conditional parameters are left out where they are inactive, so a
combination that differs only in an unused value is one model, not several: the reference notebook's loops
make 3*2*3*3*4 = 216 combinations, but with no dense layer the dense width is unused, leaving
3*2*3*(1 + 2*4) = 162 distinct models. Float ranges have no grid.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tinynas_tui.errors import UsageError
from tinynas_tui.core.space import Categorical, FloatRange, Param, Scalar, SearchSpace, is_active

DEFAULT_LIMIT = 100_000


def distinct_grid(space: SearchSpace, limit: int = DEFAULT_LIMIT) -> list[dict[str, Scalar]]:
    """Every distinct parameter combination of ``space``, each listing only its active parameters.

    Args:
        space: The space; all its parameters must be categorical or int ranges.
        limit: The most combinations to return; a larger grid is refused.

    Returns:
        One dict per distinct model, keys in the space's order, in nested-loop order (the first
        parameter varies slowest).

    Raises:
        UsageError: A parameter is a float range, or the grid has more than ``limit`` models.
    """
    count = distinct_count(space)
    if count > limit:
        raise UsageError(
            f"grid sampler: the space has {count} distinct models, more than the limit of {limit}; "
            f"narrow some parameters or use another sampler"
        )
    grid: list[dict[str, Scalar]] = []
    seen: set[tuple[Any, ...]] = set()
    for combo in _walk(space.params, 0, {}):
        key = tuple((name, type(value).__name__, value) for name, value in combo.items())
        if key not in seen:  # only repeated choices (1 and 1.0 in one list) could repeat a model
            seen.add(key)
            grid.append(combo)
    return grid


def raw_count(space: SearchSpace) -> int:
    """The plain product of every parameter's number of values (what nested loops would run)."""
    return math.prod(len(grid_values(p)) for p in space.params)


def distinct_count(space: SearchSpace) -> int:
    """The number of distinct models, without listing them.

    Only whether a parameter is truthy matters to the parameters that require it, so the count follows
    the possible sets of truthy controlling parameters rather than every combination.
    """
    controllers = {p.requires for p in space.params if p.requires is not None}
    states: dict[frozenset[str], int] = {frozenset(): 1}  # truthy controllers so far -> models
    for p in space.params:
        values = grid_values(p)
        truthy_n = _truthy_count(values)
        falsy_n = len(values) - truthy_n
        nxt: dict[frozenset[str], int] = defaultdict(int)
        for truthy, n in states.items():
            if p.requires is not None and p.requires not in truthy:
                nxt[truthy] += n
            elif p.name in controllers:
                if falsy_n:
                    nxt[truthy] += n * falsy_n
                if truthy_n:
                    nxt[truthy | {p.name}] += n * truthy_n
            else:
                nxt[truthy] += n * len(values)
        states = nxt
    return sum(states.values())


def grid_size_note(space: SearchSpace) -> str:
    """e.g. ``216 combinations, 162 distinct models (dense_units unused when n_dense is 0)``.

    Raises:
        UsageError: A parameter is a float range (no grid exists).
    """
    raw, distinct = raw_count(space), distinct_count(space)
    if raw == distinct:
        return f"{_plural(raw, 'combination')}, all distinct"
    note = f"{_plural(raw, 'combination')}, {_plural(distinct, 'distinct model')}"
    reasons = _unused_reasons(space)
    return note + (f" ({'; '.join(reasons)})" if reasons else "")


def grid_values(param: Param) -> Sequence[Scalar]:
    """The values a grid takes for ``param``: its choices, or every value of an int range."""
    if isinstance(param, FloatRange):
        raise UsageError(
            f"grid sampler: parameter {param.name!r} is a float range; a grid needs categorical or int "
            f"parameters (e.g. choices = [0.0, 0.1, 0.2])"
        )
    if isinstance(param, Categorical):
        return param.choices
    return range(param.low, param.high + 1, param.step)


def _walk(params: tuple[Param, ...], index: int, values: dict[str, Scalar]):
    if index == len(params):
        yield dict(values)
        return
    param = params[index]
    if not is_active(param, values):
        yield from _walk(params, index + 1, values)
        return
    for value in grid_values(param):
        values[param.name] = value
        yield from _walk(params, index + 1, values)
    values.pop(param.name, None)


def _truthy_count(values: Sequence[Scalar]) -> int:
    if isinstance(values, range):
        return len(values) - (1 if 0 in values else 0)
    return sum(1 for v in values if v)


def _unused_reasons(space: SearchSpace) -> list[str]:
    """``dense_units unused when n_dense is 0``, one entry per controlling parameter that can switch
    something off (it has a falsy value, or is itself conditional)."""
    by_name = {p.name: p for p in space.params}
    groups: dict[str, list[str]] = {}
    for p in space.params:
        if p.requires is not None:
            groups.setdefault(p.requires, []).append(p.name)
    reasons = []
    for controller, dependents in groups.items():
        param = by_name[controller]
        values = grid_values(param)
        if isinstance(values, range):
            falsy: list[Scalar] = [0] if 0 in values else []
        else:
            falsy = [v for v in values if not v]
        conditions = []
        if falsy:
            conditions.append("is " + " or ".join(_value_text(v) for v in falsy))
        if param.requires is not None:
            conditions.append("is unused")
        if conditions:
            reasons.append(f"{', '.join(dependents)} unused when {controller} {' or '.join(conditions)}")
    return reasons


def _value_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
