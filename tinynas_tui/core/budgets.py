"""Hardware budgets (flash, RAM, latency) and what a budget means for a trial.

A budget is an Optuna constraint (value - limit, feasible at 0 or less) and a pre-flight check: a model
whose int8 weights alone exceed the flash budget, whose largest layer's input and output alone exceed
the RAM budget, or whose estimated board latency exceeds the latency budget, cannot fit whatever
training does, so it is skipped before training.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from operator import attrgetter
from typing import Any, Mapping

from tinynas_tui.core.boards import resolve_target
from tinynas_tui.errors import UsageError

# An unmeasurable figure under a budget counts as this far over it (Optuna refuses NaN constraints).
UNKNOWN_VIOLATION = 1e9


# (how a message names it, its Optuna constraint, its limit on `Budgets`, the record's figure it limits)
_LIMITED = (
    ("flash", "flash_kb", "max_flash_kb", "size_kb"),
    ("RAM", "ram_kb", "max_ram_kb", "arena_kb"),
    ("latency", "latency_ms", "max_latency_ms", "latency_ms"),
)

# The unit and decimals a figure under a budget is shown in. The ``_kb`` figures are bytes / 1024: KiB.
_SHOWN = {"flash": ("KiB", 1), "RAM": ("KiB", 1), "latency": ("ms", 2)}


def check_text(name: str, limit: float, value: float | None) -> str:
    """One budget check in words: ``585.0 KiB, over the 100 KiB budget`` or ``48.2 KiB, within 100 KiB``.

    Args:
        name: The budget as `Budgets.checks` names it (``flash``, ``RAM``, ``latency``).
        limit: The budget.
        value: The trial's figure, None when it was not measured.
    """
    unit, decimals = _SHOWN[name]
    budget = f"{limit:g} {unit}"
    if value is None:
        return f"not measured (budget {budget})"
    if not math.isfinite(value):
        return f"not measurable: counted over the {budget} budget"
    shown = f"{value:.{decimals}f} {unit}"
    return f"{shown}, within {budget}" if within(value, limit) else f"{shown}, over the {budget} budget"


def limit_text(name: str, limit: float) -> str:
    """A budget in words, e.g. ``flash ≤ 256 KiB``."""
    return f"{name} ≤ {limit:g} {_SHOWN[name][0]}"


def within(value: float | None, limit: float | None) -> bool | None:
    """Whether a figure meets its limit; None when either is unknown. A NaN figure does not meet it."""
    if limit is None or value is None:
        return None
    return value <= limit


@dataclass(frozen=True)
class Budgets:
    """Limits a trial should meet; None means no limit."""

    max_flash_kb: float | None = None
    max_ram_kb: float | None = None
    max_latency_ms: float | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and (not math.isfinite(value) or value <= 0):
                raise UsageError(f"--{name.replace('_', '-')} must be a positive number, got {value}")

    @classmethod
    def build(cls, target: str | None = None, max_flash_kb: float | None = None, max_ram_kb: float | None = None,
              max_latency_ms: float | None = None) -> Budgets:
        """A target's flash and RAM, with any explicit limit taking precedence."""
        board = resolve_target(target) if target else None
        return cls(
            max_flash_kb if max_flash_kb is not None else (board.flash_kb if board else None),
            max_ram_kb if max_ram_kb is not None else (board.ram_kb if board else None),
            max_latency_ms,
        )

    @property
    def any(self) -> bool:
        return any(v is not None for v in asdict(self).values())

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Budgets:
        return cls(**(data or {}))

    def constraint_names(self) -> tuple[str, ...]:
        """The names of the values `constraints` gives, in its order (how a stored list is read back)."""
        return tuple(key for _, key, limit_name, _ in _LIMITED if getattr(self, limit_name) is not None)

    def constraints(self, size_kb: float, arena_kb: float | None, latency_ms: float) -> dict[str, float]:
        """Optuna constraint values (feasible at 0 or less) for the budgets that are set, in the order of
        `constraint_names`."""
        figures = {"size_kb": size_kb, "arena_kb": arena_kb, "latency_ms": latency_ms}
        out = {}
        for _, key, limit_name, figure in _LIMITED:
            limit, value = getattr(self, limit_name), figures[figure]
            if limit is not None:
                out[key] = UNKNOWN_VIOLATION if value is None else value - limit
        return out

    def preflight(self, weight_bytes: int, activation_bytes: int, latency_ms: float | None = None,
                  board: str = "") -> str | None:
        """Why a model cannot fit before any training, or None if it might.

        ``latency_ms`` is the board estimate from the built model's layers (``board`` names it): the
        converted model's estimate is the same, so a model over the latency budget now will be then.
        """
        if self.max_flash_kb is not None and weight_bytes / 1024 > self.max_flash_kb:
            return (f"needs at least {weight_bytes / 1024:.1f} KiB of flash for its int8 weights; "
                    f"the budget is {self.max_flash_kb:g} KiB")
        if self.max_ram_kb is not None and activation_bytes / 1024 > self.max_ram_kb:
            return (f"needs at least {activation_bytes / 1024:.1f} KiB of RAM for one layer's int8 input and "
                    f"output; the budget is {self.max_ram_kb:g} KiB")
        if self.max_latency_ms is not None and latency_ms is not None and latency_ms > self.max_latency_ms:
            return (f"estimated at {latency_ms:.1f} ms on {board or 'the board'}; the latency budget is "
                    f"{self.max_latency_ms:g} ms")
        return None

    def limits(self) -> list[tuple[str, str, float]]:
        """(name, option, limit) of each budget that is set, e.g. ``("flash", "max_flash_kb", 256.0)``."""
        return [(name, limit_name, getattr(self, limit_name)) for name, _, limit_name, _ in _LIMITED
                if getattr(self, limit_name) is not None]

    def check_texts(self, record: Any) -> list[tuple[str, str]]:
        """(name, `check_text`) for each budget that is set, in words for the detail view and the report."""
        return [(name, check_text(name, limit, value)) for name, limit, value, _ in self.checks(record)
                if limit is not None]

    def checks(self, record: Any) -> list[tuple[str, float | None, float | None, bool | None]]:
        """(name, limit, value, holds) for each budget of a trial record; holds is None when either is unknown."""
        rows = []
        for name, _, limit_name, figure in _LIMITED:
            limit, value = getattr(self, limit_name), getattr(record, figure)
            rows.append((name, limit, value, within(value, limit)))
        return rows

    def over(self, records: Mapping[int, Any]) -> set[int]:
        """Numbers of the records over at least one budget (`within` is False): one pass per budget set."""
        out: set[int] = set()
        for _, _, limit_name, figure in _LIMITED:
            limit = getattr(self, limit_name)
            if limit is not None:
                value_of = attrgetter(figure)
                out.update(n for n, r in records.items() if within(value_of(r), limit) is False)
        return out
