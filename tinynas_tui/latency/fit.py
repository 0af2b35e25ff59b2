"""Fitting the latency model's coefficients to published measurements (``data/calibration.toml``).

The per-feature coefficients (`tinynas_tui.latency.cost`) are fitted on the reference core, and every
other core with TensorFlow Lite Micro measurements gets a compute and a memory factor, all at once, by
least squares on the logarithm of predicted over measured time: a point measured at 5 ms counts as much
as one at 500 ms. Three pieces of prior knowledge keep the fit from chasing one point:

* each coefficient is pulled, weakly (a factor e³ in either direction costs as much as one point being
  e-fold off), towards a plain starting value;
* a core's factors are pulled, weakly too, towards the ratio another runtime (Bosch HALE, the same
  int8 models on five cores) measured between that core and the reference core, where there is one (a
  core's own TensorFlow Lite Micro measurements win over it);
* a core's memory factor is pulled towards its compute factor where no runtime measured the ratio.

Cores with no TensorFlow Lite Micro measurement get the ratio alone (Cortex-M0+), or the nearest
measured core's costs (Cortex-M55: the Cortex-M85's; both run CMSIS-NN's Helium kernels), and say so.

Needs SciPy; only the calibration bench and its test fit, the estimate itself reads the JSON it wrote.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinynas_tui.core.boards import CORES
from tinynas_tui.latency.cost import FEATURES, Coefficients, op_cycles
from tinynas_tui.latency.ops import Op

DATA = Path(__file__).with_name("data")
CALIBRATION_PATH = DATA / "calibration.toml"
REFERENCE_MODELS_PATH = DATA / "reference_models.json"
REFERENCE_CORE = "cortex-m33"
"""The core the coefficients are fitted on (it has the most measurements); its factors are 1."""

FITTED_FEATURES = tuple(f for f in FEATURES if f != "depthwise_generic")
# Plain starting values (cycles per unit on a DSP core), only as weak priors.
START = {"conv": 3.0, "im2col": 50.0, "out": 30.0, "conv_1x1": 3.0, "depthwise": 6.0, "fully_connected": 3.0,
         "pool": 10.0, "elementwise": 10.0, "op": 1000.0}
FEATURE_PRIOR_SIGMA = 3.0
TRANSFER_PRIOR_SIGMA = 2.0
MEMORY_PRIOR_SIGMA = 1.0
CONV_MODELS = ("ic", "kws", "vww")  # the compute-bound MLPerf models; "ad" (all fully connected) is memory-bound
HELIUM_STAND_IN = {"cortex-m55": "cortex-m85"}


@dataclass(frozen=True)
class Point:
    """One published whole-model measurement."""

    id: str
    model: str
    board: str
    core: str
    clock_mhz: float
    runtime: str
    kernels: str
    latency_ms: float
    source: str
    use: str = "fit"
    note: str = ""

    @property
    def cycles(self) -> float:
        return self.latency_ms * self.clock_mhz * 1e3


@dataclass(frozen=True)
class OpPoint:
    """Published cycles of each operator of one model on one core."""

    model: str
    core: str
    source: str
    cycles: tuple[float, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True)
class Calibration:
    points: tuple[Point, ...]
    op_points: tuple[OpPoint, ...]
    transfers: tuple[dict[str, Any], ...]

    @property
    def fit_points(self) -> tuple[Point, ...]:
        return tuple(p for p in self.points if p.use == "fit")


def load_calibration(path: Path = CALIBRATION_PATH) -> Calibration:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    points = tuple(Point(**p) for p in data.get("point", []))
    op_points = tuple(OpPoint(p["model"], p["core"], p["source"], tuple(float(c) for c in p["cycles"]),
                              tuple(p["ops"])) for p in data.get("op_point", []))
    return Calibration(points, op_points, tuple(data.get("transfer", [])))


def load_reference_models(path: Path = REFERENCE_MODELS_PATH) -> dict[str, list[Op]]:
    """The rebuilt reference models' operators (written by ``bench/latency_model.py``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: [op_from_dict(o) for o in entry["ops"]] for name, entry in data["models"].items()}


def op_to_dict(op: Op) -> dict[str, Any]:
    return {"kind": op.kind, "input_shape": list(op.input_shape), "output_shape": list(op.output_shape),
            "kernel": list(op.kernel), "stride": list(op.stride), "depth_multiplier": op.depth_multiplier,
            "index": op.index}


def op_from_dict(d: dict[str, Any]) -> Op:
    return Op(d["kind"], tuple(d["input_shape"]), tuple(d["output_shape"]), tuple(d["kernel"]),  # type: ignore[arg-type]
              tuple(d["stride"]), int(d["depth_multiplier"]), int(d["index"]))  # type: ignore[arg-type]


def transfer_ratios(calibration: Calibration) -> dict[str, tuple[float, float]]:
    """(compute, memory) cycle ratios of each core to the reference core, as the transfer runtime measured.

    Compute: the geometric mean over the convolutional models (and the boards of that core); memory: the
    fully connected model's.
    """
    ratios: dict[str, tuple[float, float]] = {}
    for transfer in calibration.transfers:
        boards = transfer["boards"]
        reference = [b for b in boards if b["core"] == REFERENCE_CORE]
        if not reference:
            continue
        ref = reference[0]

        def cycles(board: dict[str, Any], model: str) -> float:
            return float(board[model]) * float(board["clock_mhz"])

        for core in sorted({b["core"] for b in boards} - {REFERENCE_CORE}):
            mine = [b for b in boards if b["core"] == core]
            compute = _geomean([cycles(b, m) / cycles(ref, m) for b in mine for m in CONV_MODELS])
            memory = _geomean([cycles(b, "ad") / cycles(ref, "ad") for b in mine])
            ratios[core] = (compute, memory)
    return ratios


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


@dataclass
class FitResult:
    """Coefficients, and how well they predict each point."""

    coefficients: Coefficients
    predicted_ms: dict[str, float] = field(default_factory=dict)
    """Point id -> the fitted model's prediction."""
    loo_ms: dict[str, float] = field(default_factory=dict)
    """Point id -> the prediction of a fit without that point."""


class _Problem:
    """The unknowns (logarithms of coefficients and core factors) and the residuals of one fit."""

    def __init__(self, calibration: Calibration, models: dict[str, list[Op]], points: tuple[Point, ...]) -> None:
        self.calibration, self.models, self.points = calibration, models, points
        self.transfer = transfer_ratios(calibration)
        measured = {p.core for p in calibration.fit_points} | {o.core for o in calibration.op_points}
        self.fitted_cores = sorted(measured - {REFERENCE_CORE})
        self.names = [f"feature:{f}" for f in FITTED_FEATURES]
        for core in self.fitted_cores:
            self.names += [f"{core}:compute", f"{core}:memory"]

    def start(self) -> list[float]:
        x = [math.log(START[f]) for f in FITTED_FEATURES]
        for core in self.fitted_cores:
            compute, memory = self.transfer.get(core, (1.0, 1.0))
            x += [math.log(compute), math.log(memory)]
        return x

    def coefficients(self, x: list[float]) -> Coefficients:
        features = {f: math.exp(v) for f, v in zip(FITTED_FEATURES, x)}
        features["depthwise_generic"] = features["depthwise"]
        cores: dict[str, dict[str, Any]] = {REFERENCE_CORE: {"compute": 1.0, "memory": 1.0}}
        offset = len(FITTED_FEATURES)
        for i, core in enumerate(self.fitted_cores):
            cores[core] = {"compute": math.exp(x[offset + 2 * i]), "memory": math.exp(x[offset + 2 * i + 1])}
        for core, (compute, memory) in self.transfer.items():
            cores.setdefault(core, {"compute": compute, "memory": memory})
        for core, stand_in in HELIUM_STAND_IN.items():
            if stand_in in cores:
                cores.setdefault(core, dict(cores[stand_in]))
        return Coefficients(features, cores)

    def residuals(self, x: list[float]) -> list[float]:
        c = self.coefficients(x)
        out = []
        for p in self.points:
            predicted = sum(op_cycles(op, p.core, c) for op in self.models[p.model])
            out.append(math.log(predicted / p.cycles))
        for o in self.calibration.op_points:
            for op, cycles in zip(self.models[o.model], o.cycles):
                out.append(math.log(op_cycles(op, o.core, c) / cycles))
        for f, v in zip(FITTED_FEATURES, x):
            out.append((v - math.log(START[f])) / FEATURE_PRIOR_SIGMA)
        offset = len(FITTED_FEATURES)
        for i, core in enumerate(self.fitted_cores):
            compute, memory = x[offset + 2 * i], x[offset + 2 * i + 1]
            if core in self.transfer:
                out.append((compute - math.log(self.transfer[core][0])) / TRANSFER_PRIOR_SIGMA)
                out.append((memory - math.log(self.transfer[core][1])) / TRANSFER_PRIOR_SIGMA)
            else:
                out.append((memory - compute) / MEMORY_PRIOR_SIGMA)
        return out


def _solve(problem: _Problem) -> Coefficients:
    from scipy.optimize import least_squares

    result = least_squares(problem.residuals, problem.start(), xtol=1e-12, ftol=1e-12, gtol=1e-12)
    return problem.coefficients(list(result.x))


def predict_ms(point: Point, models: dict[str, list[Op]], coefficients: Coefficients) -> float:
    return sum(op_cycles(op, point.core, coefficients) for op in models[point.model]) / (point.clock_mhz * 1e3)


def fit(calibration: Calibration | None = None, models: dict[str, list[Op]] | None = None,
        leave_one_out: bool = True) -> FitResult:
    """Fit the coefficients to every ``use = "fit"`` point; with ``leave_one_out``, refit once without
    each point and record what that fit predicts for it."""
    calibration = calibration or load_calibration()
    models = models if models is not None else load_reference_models()
    points = calibration.fit_points
    coefficients = _solve(_Problem(calibration, models, points))
    result = FitResult(coefficients, {p.id: predict_ms(p, models, coefficients) for p in points})
    if leave_one_out:
        for p in points:
            rest = tuple(q for q in points if q.id != p.id)
            result.loo_ms[p.id] = predict_ms(p, models, _solve(_Problem(calibration, models, rest)))
    errors = [abs(math.log(result.loo_ms[p.id] / p.latency_ms)) for p in points] if leave_one_out else []
    coefficients.cores.update(_bases(calibration, coefficients))
    coefficients.fit.update({
        "points": len(points),
        "op_points": sum(len(o.cycles) for o in calibration.op_points),
        "reference_core": REFERENCE_CORE,
        **({"loo_median_abs_error": _median([abs(result.loo_ms[p.id] / p.latency_ms - 1) for p in points]),
            "loo_worst_ratio": math.exp(max(errors))} if errors else {}),
    })
    return result


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _bases(calibration: Calibration, coefficients: Coefficients) -> dict[str, dict[str, Any]]:
    """Each core's factors with a line saying where they come from."""
    transfer = transfer_ratios(calibration)
    out = {}
    for core, entry in coefficients.cores.items():
        boards = sorted({p.board.split(" (")[0] for p in calibration.fit_points if p.core == core})
        ops = sum(len(o.cycles) for o in calibration.op_points if o.core == core)
        if boards or ops:
            count = sum(p.core == core for p in calibration.fit_points)
            what = [f"{count} published TFLite Micro measurement{'s' if count != 1 else ''} "
                    f"({', '.join(boards)})"] if boards else []
            if ops:
                what.append(f"{ops} per-operator measurements")
            basis = "fitted to " + " and ".join(what)
            if core in transfer:
                basis += "; pulled towards Bosch HALE's ratio to the Cortex-M33"
        elif core in transfer:
            basis = ("no published TFLite Micro measurement: the Cortex-M33's costs times Bosch HALE's measured "
                     "ratio between the two cores")
        elif core in HELIUM_STAND_IN:
            basis = (f"no published measurement: the {CORES[HELIUM_STAND_IN[core]].label}'s costs (both run "
                     "CMSIS-NN's Helium kernels); a rough figure")
        else:
            basis = "reference core"
        out[core] = {**entry, "basis": basis}
    return out


def write_coefficients(coefficients: Coefficients, path: Path) -> None:
    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return float(f"{value:.6g}")
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        return value

    Path(path).write_text(json.dumps(rounded(coefficients.to_dict()), indent=2) + "\n", encoding="utf-8")
