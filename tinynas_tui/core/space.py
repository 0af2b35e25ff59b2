"""Declarative search spaces: parameters, presets, Optuna sampling and TOML files.

A space names the model family it feeds (``model``) and lists its parameters in order. The order is kept
everywhere (sampling, TOML, printed parameter blocks) so output reads like the space's definition.

A parameter may be conditional: ``requires`` names an earlier parameter, and the parameter is sampled (and
part of the model) only when that parameter's sampled value is truthy (non-zero, ``True``, non-empty). In a
space file: ``requires = "n_dense"``. Inactive parameters are never suggested, so Optuna's define-by-run
space is conditional and its samplers never see unused values.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import tomli_w

from tinynas_tui.core import space_rules
from tinynas_tui.errors import UsageError

Scalar = Union[int, float, str, bool]

# Parameters each model family needs; a space for that family must define all of them.
MODEL_PARAMS: dict[str, tuple[str, ...]] = {
    "single-conv": ("num_filters", "kernel_size", "dense_units", "dropout", "lr", "batch_size"),
    # The reference notebook's family: n_blocks blocks of layers_per_block convs (filters doubling per
    # block, max-pooling after each), global average pooling, n_dense dense layers of dense_units.
    # Optional microcontroller extras read by the builder, with defaults that build older studies' models
    # unchanged: separable, separable_stem, batch_norm (False), stem_stride (1), dropout (0), lr (1e-3).
    "blocks": ("n_blocks", "layers_per_block", "init_filters", "n_dense", "dense_units"),
}

TRAINING_PARAMS: frozenset[str] = frozenset({"lr", "dropout", "batch_size"})
"""Parameters that change how a model is trained, not its shape (its layers and their weights): trials
that differ only in these build the same architecture. Every other parameter shapes the model."""


def architecture_key(params: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]] | None:
    """What makes two trials' models the same architecture: the names and values of their non-training
    parameters (None when the trial's parameters are not known, e.g. a record read in summary)."""
    if not params:
        return None
    given = tuple(params)
    names = _SHAPING_NAMES.get(given)
    if names is None:  # once per set of parameter names (one per space, a few with conditional ones)
        names = _SHAPING_NAMES[given] = tuple(sorted(n for n in given if n not in TRAINING_PARAMS))
    return names, tuple(map(params.__getitem__, names))


_SHAPING_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}


@dataclass(frozen=True)
class Categorical:
    """A choice among listed values."""

    name: str
    choices: tuple[Scalar, ...]
    requires: str | None = None

    def suggest(self, trial: Any) -> Scalar:
        return trial.suggest_categorical(self.name, list(self.choices))

    def to_dict(self) -> dict[str, Any]:
        return _with_requires({"type": "categorical", "choices": list(self.choices)}, self.requires)

    def describe(self) -> str:
        return "{" + ", ".join(str(c) for c in self.choices) + "}" + _requires_note(self.requires)


@dataclass(frozen=True)
class IntRange:
    """An integer in ``[low, high]``, optionally on a log scale or with a step."""

    name: str
    low: int
    high: int
    step: int = 1
    log: bool = False
    requires: str | None = None

    def suggest(self, trial: Any) -> int:
        return trial.suggest_int(self.name, self.low, self.high, step=self.step, log=self.log)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "int", "low": self.low, "high": self.high}
        if self.step != 1:
            out["step"] = self.step
        if self.log:
            out["log"] = True
        return _with_requires(out, self.requires)

    def describe(self) -> str:
        return f"int [{self.low}, {self.high}]" + (" log" if self.log else "") + _requires_note(self.requires)


@dataclass(frozen=True)
class FloatRange:
    """A float in ``[low, high]``, optionally on a log scale or with a step."""

    name: str
    low: float
    high: float
    log: bool = False
    step: float | None = None
    requires: str | None = None

    def suggest(self, trial: Any) -> float:
        return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "float", "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        return _with_requires(out, self.requires)

    def describe(self) -> str:
        return f"float [{self.low:g}, {self.high:g}]" + (" log" if self.log else "") + _requires_note(self.requires)


Param = Union[Categorical, IntRange, FloatRange]


def _with_requires(out: dict[str, Any], requires: str | None) -> dict[str, Any]:
    if requires is not None:
        out["requires"] = requires
    return out


def _requires_note(requires: str | None) -> str:
    return "" if requires is None else f" if {requires}"


def is_active(param: Param, values: dict[str, Any]) -> bool:
    """Whether ``param`` is used given the values of the parameters before it.

    An unconditional parameter always is; a conditional one when its ``requires`` parameter was sampled
    (is in ``values``) with a truthy value.
    """
    return param.requires is None or bool(values.get(param.requires))


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of parameters for one model family."""

    name: str
    model: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _check_requires(self.params, f"space {self.name!r}")

    def suggest(self, trial: Any) -> dict[str, Scalar]:
        """Sample every active parameter through an Optuna trial, in the space's order.

        A conditional parameter whose ``requires`` parameter is falsy (or itself inactive) is skipped:
        it is not suggested and not in the result.
        """
        values: dict[str, Scalar] = {}
        for p in self.params:
            if is_active(p, values):
                values[p.name] = p.suggest(trial)
        return values

    @property
    def conditional(self) -> tuple[Param, ...]:
        """The parameters with a ``requires``, in order."""
        return tuple(p for p in self.params if p.requires is not None)

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
        space_rules.check_param_count(len(raw_params), source)
        params = tuple(_param_from_dict(n, spec, source) for n, spec in raw_params.items())
        _check_requires(params, source)
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
            size = path.stat().st_size
            if size > space_rules.MAX_SPACE_FILE_BYTES:
                raise UsageError(f"space file {path} has {size:,} bytes; a space file has at most "
                                 f"{space_rules.MAX_SPACE_FILE_BYTES:,} (at most {space_rules.MAX_PARAMS} "
                                 f"parameters of {space_rules.MAX_CHOICES} choices)")
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


def _check_requires(params: tuple[Param, ...], source: str) -> None:
    """Every ``requires`` must name a parameter listed before the one that has it."""
    earlier: set[str] = set()
    for p in params:
        if p.requires is not None and p.requires not in earlier:
            names = {q.name for q in params}
            why = "a later parameter" if p.requires in names else "no parameter of this space"
            if p.requires == p.name:
                why = "the parameter itself"
            raise UsageError(
                f"{source}: parameter {p.name!r}: requires {p.requires!r}, which is {why}; "
                f"it must name an earlier parameter"
            )
        earlier.add(p.name)


def _number(value: Any, where: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UsageError(f"{where}: {what} must be a finite number, got {value!r}")
    return value


def _param_from_dict(name: str, spec: Any, source: str) -> Param:
    where = f"{source}: parameter {name!r}"
    if not isinstance(spec, dict):
        raise UsageError(f"{where} must be a table with a 'type'")
    kind = spec.get("type")
    requires = spec.get("requires")
    if requires is not None and (not isinstance(requires, str) or not requires):
        raise UsageError(f"{where}: requires must be the name of an earlier parameter, got {requires!r}")
    if kind == "categorical":
        _check_keys(spec, {"type", "choices", "requires"}, where)
        choices = spec.get("choices")
        if not isinstance(choices, list):
            raise UsageError(f"{where}: choices must be a list, like choices = [8, 16], got {choices!r}")
        if not choices:
            raise UsageError(f"{where}: choices is empty; expected a non-empty list, like choices = [8, 16]")
        space_rules.check_choices(choices, where, name)
        return Categorical(name, tuple(choices), requires=requires)
    if kind in ("int", "float"):
        _check_keys(spec, {"type", "low", "high", "log", "step", "requires"}, where)
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
        if kind == "int" and any(isinstance(v, float) and not float(v).is_integer() for v in (low, high)):
            raise UsageError(f"{where}: an int range needs whole-number bounds")
        if kind == "int" and step is not None and not float(step).is_integer():
            raise UsageError(f"{where}: an int range needs a whole-number step")
        if kind == "int":
            low, high = int(low), int(high)
        space_rules.check_range(kind, low, high, where, name)
        if kind == "int":
            return IntRange(name, int(low), int(high), step=int(step or 1), log=log, requires=requires)
        return FloatRange(name, float(low), float(high), log=log,
                          step=None if step is None else float(step), requires=requires)
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

BLOCKS = SearchSpace(
    name="blocks",
    model="blocks",
    params=(
        Categorical("n_blocks", (1, 2, 3)),
        Categorical("layers_per_block", (1, 2)),
        Categorical("init_filters", (16, 32, 64)),
        Categorical("n_dense", (0, 1, 2)),
        Categorical("dense_units", (64, 128, 256, 512), requires="n_dense"),
        # Microcontroller extras, off by default (one choice); widen to [false, true] to search them.
        Categorical("separable", (False,)),
        Categorical("batch_norm", (False,)),
    ),
)
"""The reference notebook's search space (its search_architectures loops), with dense_units only
sampled when there is a dense layer: 162 distinct models where the notebook's loops make 216."""

MCU = SearchSpace(
    name="mcu",
    model="blocks",
    params=(
        Categorical("n_blocks", (2, 3)),
        Categorical("layers_per_block", (1, 2)),
        Categorical("init_filters", (4, 8, 12, 16)),
        Categorical("stem_stride", (1, 2)),
        Categorical("n_dense", (0, 1)),
        Categorical("dense_units", (32, 64), requires="n_dense"),
        Categorical("separable", (False, True)),
        Categorical("separable_stem", (False,)),
        Categorical("batch_norm", (True,)),
        Categorical("dropout", (0.0, 0.2)),
        FloatRange("lr", 1e-3, 1e-2, log=True),
        Categorical("batch_size", (32, 64)),
    ),
)
"""Small models for a microcontroller (e.g. 32 KiB flash, a 16 KiB TFLite Micro arena): narrow widths,
an optional strided first conv so no full-resolution activation is stored, separable convs after a plain
first one, batch normalisation (folded away at conversion), dropout before the head. About 5-60 KiB of
int8 weights; the pre-flight skips those over a study's budgets before any training."""

PRESETS: dict[str, SearchSpace] = {SINGLE_CONV.name: SINGLE_CONV, BLOCKS.name: BLOCKS, MCU.name: MCU}


def resolve_space(name_or_path: str) -> SearchSpace:
    """A preset by name, or a space loaded from a ``.toml`` path."""
    if name_or_path in PRESETS:
        return PRESETS[name_or_path]
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return SearchSpace.load(Path(name_or_path))
    known = ", ".join(PRESETS)
    raise UsageError(f"unknown space {name_or_path!r}: expected one of {known} or a path to a .toml file")
