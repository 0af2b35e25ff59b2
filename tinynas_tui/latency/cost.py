"""What one inference costs on a core: cycles per operator, from the fitted coefficients.

Each operator's cost is a sum of features times coefficients, scaled by its core's factor:

    cycles = factor(core, group) × Σ coefficient[feature] × feature(op)

Features, all counted from the operator's shapes:

* ``conv``: MACs of a convolution on CMSIS-NN's im2col + matrix path (``arm_convolve_s8``), with
  ``im2col`` (one copy per output position and kernel tap: what makes a convolution with one or three
  input channels several times dearer per MAC) and ``out`` (requantising each output);
* ``conv_1x1``: MACs of a 1×1, stride-1 convolution with input channels a multiple of 4 (the fast GEMM);
* ``depthwise``: MACs of a depthwise convolution with depth multiplier 1 (CMSIS-NN's SIMD kernels);
* ``depthwise_generic``: MACs of one with another multiplier: CMSIS-NN's generic path is plain C, so it
  is costed as the SIMD kernel on a core without SIMD (the Cortex-M0+ factor);
* ``fully_connected``: MACs of a fully connected layer (one weight read per MAC: memory-bound);
* ``pool``: output elements × window; ``elementwise``: elements of ADD, MUL, softmax, reshape and the
  like; ``op``: a fixed cost per operator (TFLite Micro's invoke loop, each kernel's setup).

``fully_connected`` scales with the core's memory factor, everything else with its compute factor. The
coefficients and factors are fitted to published measurements (`tinynas_tui.latency.fit`,
``data/coefficients.json``); an operator kind outside the model is named, never counted as free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from tinynas_tui.core.boards import CORES
from tinynas_tui.latency.ops import Op

FEATURES = ("conv", "im2col", "out", "conv_1x1", "depthwise", "depthwise_generic", "fully_connected", "pool",
            "elementwise", "op")
MEMORY_FEATURES = frozenset({"fully_connected"})
COEFFICIENTS_PATH = Path(__file__).with_name("data") / "coefficients.json"


def op_features(op: Op) -> dict[str, float]:
    """The operator's amount of each feature (zero for those it has none of)."""
    f = dict.fromkeys(FEATURES, 0.0)
    f["op"] = 1.0
    family = op.family
    kh, kw = op.kernel
    if family in ("conv", "conv_narrow"):
        positions = op.output_elements // max(op.out_channels, 1)
        f["conv"], f["im2col"], f["out"] = op.macs, positions * kh * kw, op.output_elements
    elif family == "conv_1x1":
        f["conv_1x1"], f["out"] = op.macs, op.output_elements
    elif family in ("depthwise", "depthwise_generic"):
        f[family], f["out"] = op.macs, op.output_elements
    elif family == "fully_connected":
        f["fully_connected"], f["out"] = op.macs, op.output_elements
    elif family == "pool":
        f["pool"] = op.work
    elif family in ("elementwise", "data"):
        f["elementwise"] = op.work
    return f


def notes(op: Op, core: str) -> list[str]:
    """Where CMSIS-NN is known to take a slower path for this operator on this core."""
    out = []
    if op.family == "conv_narrow":
        out.append(f"{op.in_channels} input channel{'s' if op.in_channels != 1 else ''}, not a multiple of 4: "
                   "generic im2col path, several times the cycles per MAC")
    elif op.family == "conv" and op.kernel == (1, 1):
        out.append("1x1 with stride: im2col path, not CMSIS-NN's 1x1 fast GEMM")
    elif op.family == "depthwise_generic":
        out.append(f"depth multiplier {op.depth_multiplier}: CMSIS-NN's generic (plain C) depthwise path")
    elif op.family == "fully_connected" and core == "cortex-m4":
        out.append("fully connected is memory-bound: CMSIS-NN gains little over the reference kernel on a Cortex-M4")
    if CORES[core].kernels == "scalar" and op.kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        out.append("no DSP extension: CMSIS-NN runs plain C")
    return out


@dataclass(frozen=True)
class Coefficients:
    """Fitted cycles per feature unit on the reference core, and each core's factors."""

    features: dict[str, float]
    cores: dict[str, dict[str, Any]]
    fit: dict[str, Any] = field(default_factory=dict)

    def factor(self, core: str, feature: str) -> float:
        entry = self.cores[core]
        factor = float(entry["memory" if feature in MEMORY_FEATURES else "compute"])
        if feature == "depthwise_generic" and CORES[core].kernels != "scalar":
            # Plain C on a core with SIMD: as much dearer as a core without SIMD is (unmeasured).
            factor *= float(self.cores["cortex-m0plus"]["compute"])
        return factor

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coefficients:
        return cls(dict(data["features"]), dict(data["cores"]), dict(data.get("fit", {})))

    def to_dict(self) -> dict[str, Any]:
        return {"features": self.features, "cores": self.cores, "fit": self.fit}


@lru_cache(maxsize=1)
def default_coefficients() -> Coefficients:
    """The coefficients shipped with the package (``data/coefficients.json``)."""
    return Coefficients.from_dict(json.loads(COEFFICIENTS_PATH.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class OpCost:
    """One operator's estimated cycles (None when the model has no cost for its kind)."""

    op: Op
    cycles: float | None
    notes: tuple[str, ...] = ()


def op_cycles(op: Op, core: str, coefficients: Coefficients) -> float:
    """Cycles of one operator of a known kind."""
    total = 0.0
    for name, amount in op_features(op).items():
        if amount:
            total += coefficients.factor(core, name) * coefficients.features[name] * amount
    return total


def cost_ops(ops: Iterable[Op], core: str, coefficients: Coefficients | None = None) -> list[OpCost]:
    """Every operator's cycles on ``core`` (a name in `tinynas_tui.core.boards.CORES`)."""
    coefficients = coefficients or default_coefficients()
    out = []
    for op in ops:
        if op.family == "unknown":
            out.append(OpCost(op, None, ("no latency model for this operator",)))
        else:
            out.append(OpCost(op, op_cycles(op, core, coefficients), tuple(notes(op, core))))
    return out
