"""A compact one-line text form of a search-space parameter, for editing in a single input box.

The forms, one per parameter type::

    8, 16, 32                 categorical (strings quoted only when needed; booleans true/false)
    4..64 step 4 log          int range (``step`` when it is not 1, ``log`` when log-scaled)
    0.0001..0.01 log          float range (bounds always read back as floats)
    0.0..0.5 step 0.1         float range with a step

Parsing turns the text into the same table a TOML space file holds and validates it with the space's own
rules, so a bad text raises the same one-line `UsageError` a bad space file would.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from tinynas_tui.errors import UsageError
from tinynas_tui.core.space import (
    Categorical,
    IntRange,
    Param,
    Scalar,
    SearchSpace,
    _param_from_dict,
)

SOURCE = "space"
"""How error messages name the thing being edited (``space: parameter 'lr': ...``)."""

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_RANGE = re.compile(r"(?P<low>.*?)\.\.(?P<rest>.*)", re.DOTALL)


def param_kind(param: Param) -> str:
    """The parameter's type as a space file names it: ``categorical``, ``int`` or ``float``."""
    return param.to_dict()["type"]


def param_to_text(param: Param) -> str:
    """The one-line text form of ``param``; `param_from_text` reads it back to an equal parameter."""
    if isinstance(param, Categorical):
        return ", ".join(_choice_to_text(c) for c in param.choices)
    if isinstance(param, IntRange):
        text = f"{param.low}..{param.high}"
        if param.step != 1:
            text += f" step {param.step}"
    else:
        text = f"{float(param.low)!r}..{float(param.high)!r}"
        if param.step is not None:
            text += f" step {float(param.step)!r}"
    return text + (" log" if param.log else "")


def param_from_text(name: str, text: str, kind_hint: str | None = None) -> Param:
    """Parse the text form of parameter ``name``.

    Args:
        name: The parameter's name.
        text: A choice list (``8, 16, 32``) or a range (``LOW..HIGH [step S] [log]``).
        kind_hint: The parameter's kind before editing; ``"float"`` keeps a range with whole-number
            bounds (``0..1``) a float range. Otherwise a range is an int range when its bounds and step
            are all integer literals.

    Returns:
        The validated parameter.

    Raises:
        UsageError: The text is empty, malformed, or breaks a rule of space files (one-line message).
    """
    where = f"{SOURCE}: parameter {name!r}"
    body = text.strip()
    if not body:
        raise UsageError(f"{where}: empty; expected choices like '8, 16' or a range like '4..64'")
    if ".." in _QUOTED.sub("", body):
        spec = _range_spec(body, kind_hint, where)
    else:
        spec = {"type": "categorical", "choices": _choices(body, where)}
    return _param_from_dict(name, spec, SOURCE)


def space_with_param(space: SearchSpace, new_param: Param) -> SearchSpace:
    """A copy of ``space`` with the parameter of the same name replaced, keeping the order.

    The text form does not carry ``requires``, so a replacement without one keeps the old parameter's.
    """
    return space_with_params(space, [new_param])


def space_with_params(space: SearchSpace, new_params: list[Param]) -> SearchSpace:
    """A copy of ``space`` with each parameter of ``new_params`` replacing the one of its name.

    A new parameter without ``requires`` keeps the ``requires`` of the parameter it replaces (the text
    form does not encode it); one with its own ``requires`` keeps that.

    Raises:
        UsageError: A parameter is not in ``space``, or the result is not a valid space.
    """
    old = {p.name: p for p in space.params}
    params = {p.name: p.to_dict() for p in space.params}
    for param in new_params:
        if param.name not in params:
            raise UsageError(f"{SOURCE}: no parameter {param.name!r} in space {space.name!r}")
        spec = param.to_dict()
        if param.requires is None and old[param.name].requires is not None:
            spec["requires"] = old[param.name].requires
        params[param.name] = spec
    return SearchSpace.from_dict({"name": space.name, "model": space.model, "params": params})


def _choice_to_text(choice: Scalar) -> str:
    if isinstance(choice, bool):
        return "true" if choice else "false"
    if isinstance(choice, float):
        return repr(choice)
    if isinstance(choice, int):
        return str(choice)
    plain = (
        choice == choice.strip()
        and not any(mark in choice for mark in (",", "..", '"', "'"))
        and _bare_choice(choice) == choice
    )
    return choice if plain else json.dumps(choice, ensure_ascii=False)


def _bare_choice(token: str) -> Scalar:
    """An unquoted choice: an integer, a float, ``true``/``false``, or else a string."""
    if _INT.fullmatch(token):
        return int(token)
    if _FLOAT.fullmatch(token):
        return float(token)
    if token in ("true", "false"):
        return token == "true"
    return token


def _choices(body: str, where: str) -> list[Scalar]:
    """Split a comma-separated list, honouring quoted strings (which may hold commas)."""
    choices: list[Scalar] = []
    position = 0
    while True:
        while position < len(body) and body[position].isspace():
            position += 1
        quoted = _QUOTED.match(body, position)
        if quoted:
            try:
                choices.append(ast.literal_eval(quoted.group()))
            except (SyntaxError, ValueError):
                raise UsageError(f"{where}: bad escape in {quoted.group()}") from None
            position = quoted.end()
            while position < len(body) and body[position].isspace():
                position += 1
            if position < len(body) and body[position] != ",":
                raise UsageError(f"{where}: expected ',' after {quoted.group()}")
        else:
            end = body.find(",", position)
            token = body[position : len(body) if end < 0 else end].strip()
            if not token:
                raise UsageError(f"{where}: empty choice {len(choices) + 1}; check the commas")
            if token[0] in "\"'":
                raise UsageError(f"{where}: unclosed quote in {token!r}")
            choices.append(_bare_choice(token))
            position = len(body) if end < 0 else end
        if position >= len(body):
            return choices
        position += 1  # past the comma


def _range_spec(body: str, kind_hint: str | None, where: str) -> dict[str, Any]:
    match = _RANGE.fullmatch(body)
    assert match is not None  # the caller saw a '..'
    words = match.group("rest").split()
    if not match.group("low").strip() or not words:
        raise UsageError(f"{where}: a range needs both bounds, like '4..64'")
    literals = {"low": match.group("low").strip(), "high": words[0]}
    log = False
    index = 1
    while index < len(words):
        word = words[index]
        if word == "log" and not log:
            log = True
        elif word == "step" and "step" not in literals:
            if index + 1 == len(words):
                raise UsageError(f"{where}: 'step' needs a number after it")
            index += 1
            literals["step"] = words[index]
        else:
            raise UsageError(f"{where}: unexpected {word!r} after the range; expected 'step N' or 'log'")
        index += 1
    is_int = kind_hint != "float" and all(_INT.fullmatch(v) for v in literals.values())
    spec: dict[str, Any] = {"type": "int" if is_int else "float"}
    for key, literal in literals.items():
        if not (_INT.fullmatch(literal) or _FLOAT.fullmatch(literal)):
            raise UsageError(f"{where}: {key} must be a number, got {literal!r}")
        spec[key] = int(literal) if is_int else float(literal)
    if log:
        spec["log"] = True
    return spec
