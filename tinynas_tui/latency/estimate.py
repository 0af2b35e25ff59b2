"""The latency estimate of a whole model on a core at a clock: cycles, milliseconds, the costliest ops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from tinynas_tui.core.boards import CORES
from tinynas_tui.latency.cost import Coefficients, OpCost, cost_ops, default_coefficients
from tinynas_tui.latency.ops import Op
from tinynas_tui.latency.tflite_reader import ModelError, ModelOps, read_ops

INT8_INPUTS = ("INT8", "UINT8")


@dataclass(frozen=True)
class Estimate:
    """TFLite Micro's estimated time for one inference.

    Attributes:
        core: The core's name (`tinynas_tui.core.boards.CORES`).
        clock_mhz: Its clock.
        costs: Every operator's estimated cycles, in execution order.
        basis: How this core's costs were found (fitted, or transferred from another core).
    """

    core: str
    clock_mhz: float
    costs: tuple[OpCost, ...]
    basis: str = ""

    @property
    def cycles(self) -> float:
        """Cycles of the operators the model knows (the others are in `unmodelled`)."""
        return sum(c.cycles for c in self.costs if c.cycles is not None)

    @property
    def latency_ms(self) -> float:
        return self.cycles / (self.clock_mhz * 1e3)

    @property
    def unmodelled(self) -> tuple[str, ...]:
        """Kinds of the operators with no cost in the model, each once, in order."""
        return tuple(dict.fromkeys(c.op.kind for c in self.costs if c.cycles is None))

    @property
    def macs(self) -> int:
        return sum(c.op.macs for c in self.costs)

    def top(self, n: int = 5) -> list[tuple[OpCost, float]]:
        """The ``n`` costliest operators with their share of the total cycles."""
        total = self.cycles or 1.0
        known = sorted((c for c in self.costs if c.cycles is not None), key=lambda c: -c.cycles)
        return [(c, c.cycles / total) for c in known[:n]]

    def to_dict(self) -> dict[str, Any]:
        """The estimate as plain JSON: totals, and one entry per operator."""
        total = self.cycles or 1.0
        return {
            "latency_ms": self.latency_ms,
            "cycles": round(self.cycles),
            "core": self.core,
            "clock_mhz": self.clock_mhz,
            "macs": self.macs,
            "basis": self.basis,
            "unmodelled_ops": list(self.unmodelled),
            "ops": [
                {"index": c.op.index, "op": c.op.kind, "output_shape": list(c.op.output_shape), "macs": c.op.macs,
                 "cycles": None if c.cycles is None else round(c.cycles),
                 "share": None if c.cycles is None else c.cycles / total, "notes": list(c.notes)}
                for c in self.costs
            ],
        }

    def top_ops(self, n: int = 5) -> list[dict[str, Any]]:
        """The costliest operators as a trial records them: what, cycles, share."""
        return [{"op": c.op.describe(), "cycles": round(c.cycles or 0), "share": round(share, 4)}
                for c, share in self.top(n)]


def estimate_ops(ops: Iterable[Op], core: str, clock_mhz: float,
                 coefficients: Coefficients | None = None) -> Estimate:
    """Estimate a model given as operators (from a flatbuffer, or from Keras layers before training)."""
    coefficients = coefficients or default_coefficients()
    if core not in CORES:
        raise ValueError(f"unknown core {core!r}")
    if not clock_mhz > 0:
        raise ValueError(f"the clock must be positive, got {clock_mhz!r} MHz")
    basis = str(coefficients.cores.get(core, {}).get("basis", ""))
    return Estimate(core, float(clock_mhz), tuple(cost_ops(ops, core, coefficients)), basis)


def estimate_tflite(model_bytes: bytes, core: str, clock_mhz: float,
                    coefficients: Coefficients | None = None) -> Estimate:
    """Estimate a converted model.

    Raises:
        ModelError: Not a TFLite model, or one that computes in floating point (TFLite Micro's int8
            CMSIS-NN kernels do not run it).
    """
    return estimate_ops(read_int8_ops(model_bytes).ops, core, clock_mhz, coefficients)


def read_int8_ops(model_bytes: bytes) -> ModelOps:
    """The operators of a full-integer model (what TFLite Micro's int8 kernels and Vela run).

    Raises:
        ModelError: Not a TFLite model, or one that computes in floating point.
    """
    model = read_ops(model_bytes)
    if model.input_dtype not in INT8_INPUTS or model.float_ops:
        what = f"its input is {model.input_dtype}" if model.input_dtype not in INT8_INPUTS else (
            f"{', '.join(dict.fromkeys(model.float_ops))} compute in float")
        raise ModelError(f"not an int8 model ({what}): the estimate is for TFLite Micro's int8 kernels; "
                         "convert with full-integer quantization")
    return model
