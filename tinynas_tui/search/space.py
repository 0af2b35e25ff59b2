"""Declarative search spaces: parameters, presets, Optuna sampling and TOML files.

A space names the model family it feeds (``model``) and lists its parameters in order. The order is kept
everywhere (sampling, TOML, printed parameter blocks) so output reads like the space's definition.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import tomli_w

from tinynas_tui.errors import UsageError

Scalar = Union[int, float, str, bool]

# Parameters each model family needs; a space for that family must define all of them.
MODEL_PARAMS: dict[str, tuple[str, ...]] = {
    "single-conv": ("num_filters", "kernel_size", "dense_units", "dropout", "lr", "batch_size"),
}


@dataclass(frozen=True)
class Categorical:
    """A choice among listed values."""

    name: str
    choices: tuple[Scalar, ...]

    def suggest(self, trial: Any) -> Scalar:
        return trial.suggest_categorical(self.name, list(self.choices))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)}

    def describe(self) -> str:
        return "{" + ", ".join(str(c) for c in self.choices) + "}"


@dataclass(frozen=True)
class IntRange:
    """An integer in ``[low, high]``, optionally on a log scale or with a step."""

    name: str
    low: int
    high: int
    step: int = 1
    log: bool = False

    def suggest(self, trial: Any) -> int:
        return trial.suggest_int(self.name, self.low, self.high, step=self.step, log=self.log)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "int", "low": self.low, "high": self.high}
        if self.step != 1:
            out["step"] = self.step
        if self.log:
            out["log"] = True
        return out

    def describe(self) -> str:
        return f"int [{self.low}, {self.high}]" + (" log" if self.log else "")


@dataclass(frozen=True)
class FloatRange:
    """A float in ``[low, high]``, optionally on a log scale or with a step."""

    name: str
    low: float
    high: float
    log: bool = False
    step: float | None = None

    def suggest(self, trial: Any) -> float:
        return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "float", "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        return out

    def describe(self) -> str:
        return f"float [{self.low:g}, {self.high:g}]" + (" log" if self.log else "")


Param = Union[Categorical, IntRange, FloatRange]


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of parameters for one model family."""

    name: str
    model: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    def suggest(self, trial: Any) -> dict[str, Scalar]:
        """Sample every parameter through an Optuna trial, in the space's order."""
        return {p.name: p.suggest(trial) for p in self.params}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "params": {p.name: p.to_dict() for p in self.params},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "space") -> SearchSpace:
        """Build and validate a space; any problem raises `UsageError` naming ``source``."""
        _check_keys(data, {"name", "model", "params"}, source)
        model = data.get("model")
        if model not in MODEL_PARAMS:
            known = ", ".join(MODEL_PARAMS)
            raise UsageError(f"{source}: unknown model {model!r}; expected one of {known}")
        raw_params = data.get("params")
        if not isinstance(raw_params, dict) or not raw_params:
            raise UsageError(f"{source}: [params] must define at least one parameter")
        params = tuple(_param_from_dict(n, spec, source) for n, spec in raw_params.items())
        missing = [n for n in MODEL_PARAMS[model] if n not in raw_params]
        if missing:
            raise UsageError(
                f"{source}: model {model!r} needs parameters {', '.join(missing)} (missing)"
            )
        name = data.get("name", "custom")
        if not isinstance(name, str) or not name:
            raise UsageError(f"{source}: name must be a non-empty string")
        return cls(name=name, model=model, params=params)

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_toml(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SearchSpace:
        """Read a space from a TOML file; unreadable or invalid files raise `UsageError`."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read space file {path}: {_reason(err)}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise UsageError(f"space file {path} is not valid TOML: {err}") from None
        data.setdefault("name", path.stem)
        return cls.from_dict(data, source=f"space file {path}")


def _reason(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err).splitlines()[0]


def _check_keys(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise UsageError(
            f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}"
        )


def _number(value: Any, where: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UsageError(f"{where}: {what} must be a finite number, got {value!r}")
    return value


def _param_from_dict(name: str, spec: Any, source: str) -> Param:
    where = f"{source}: parameter {name!r}"
    if not isinstance(spec, dict):
        raise UsageError(f"{where} must be a table with a 'type'")
    kind = spec.get("type")
    if kind == "categorical":
        _check_keys(spec, {"type", "choices"}, where)
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            raise UsageError(f"{where}: choices must be a non-empty list")
        if any(not isinstance(c, (int, float, str, bool)) for c in choices):
            raise UsageError(f"{where}: choices must be numbers, strings or booleans")
        if len(set(map(repr, choices))) != len(choices):
            raise UsageError(f"{where}: choices must not repeat")
        return Categorical(name, tuple(choices))
    if kind in ("int", "float"):
        _check_keys(spec, {"type", "low", "high", "log", "step"}, where)
        low = _number(spec.get("low"), where, "low")
        high = _number(spec.get("high"), where, "high")
        log = spec.get("log", False)
        if not isinstance(log, bool):
            raise UsageError(f"{where}: log must be true or false")
        if low > high:
            raise UsageError(f"{where}: low ({low}) must not exceed high ({high})")
        if log and low <= 0:
            raise UsageError(f"{where}: a log range needs low > 0, got {low}")
        step = spec.get("step")
        if step is not None and (_number(step, where, "step") <= 0):
            raise UsageError(f"{where}: step must be positive")
        if step is not None and log:
            raise UsageError(f"{where}: step and log cannot be combined")
        if kind == "int":
            if any(isinstance(v, float) and not float(v).is_integer() for v in (low, high)):
                raise UsageError(f"{where}: an int range needs whole-number bounds")
            return IntRange(name, int(low), int(high), step=int(step or 1), log=log)
        return FloatRange(name, float(low), float(high), log=log,
                          step=None if step is None else float(step))
    raise UsageError(f"{where}: type must be categorical, int or float, got {kind!r}")


SINGLE_CONV = SearchSpace(
    name="single-conv",
    model="single-conv",
    params=(
        Categorical("num_filters", (8, 16, 32)),
        Categorical("kernel_size", (3, 5)),
        Categorical("dense_units", (32, 64, 128)),
        FloatRange("dropout", 0.0, 0.3),
        FloatRange("lr", 1e-4, 1e-2, log=True),
        Categorical("batch_size", (16, 32)),
    ),
)

PRESETS: dict[str, SearchSpace] = {SINGLE_CONV.name: SINGLE_CONV}


def resolve_space(name_or_path: str) -> SearchSpace:
    """A preset by name, or a space loaded from a ``.toml`` path."""
    if name_or_path in PRESETS:
        return PRESETS[name_or_path]
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return SearchSpace.load(Path(name_or_path))
    known = ", ".join(PRESETS)
    raise UsageError(f"unknown space {name_or_path!r}: expected one of {known} or a path to a .toml file")
