"""``tinynas-tui estimate``: the latency of a ``.tflite`` under TensorFlow Lite Micro on a board.

    tinynas-tui estimate model.tflite                       # on the default board (m4-1m)
    tinynas-tui estimate model.tflite --target nucleo-l4r5zi
    tinynas-tui estimate model.tflite --core cortex-m7 --clock-mhz 480 --json

Prints one line per operator (output shape, MACs, estimated cycles, share of the total) and the total
in milliseconds; ``--json`` prints one object instead. Loads no TensorFlow. Exit code 2 with one line
for a path that is not a readable file, a file that is not a TFLite model, a float model, or an
unknown board or core.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence, TextIO

from tinynas_tui import PROG
from tinynas_tui.cli.common import OneLineErrorParser, positive_float, report_usage_error
from tinynas_tui.core.boards import CORES, DEFAULT_TARGET, TARGETS, latency_board
from tinynas_tui.errors import UsageError

COMMAND = f"{PROG} estimate"


def build_estimate_parser() -> argparse.ArgumentParser:
    p = OneLineErrorParser(
        prog=COMMAND,
        description="Estimate a .tflite model's latency under TensorFlow Lite Micro with CMSIS-NN kernels, per "
                    "operator (an estimate fitted to published measurements, not a measurement).",
    )
    p.add_argument("model", metavar="PATH.tflite", help="an int8 TFLite model")
    board = p.add_argument_group("the board (a --target, or a --core with its --clock-mhz)")
    board.add_argument("--target", metavar="NAME", help=f"a board profile: {', '.join(TARGETS)} (default "
                                                        f"{DEFAULT_TARGET})")
    board.add_argument("--core", metavar="NAME", help=f"any other board's core: {', '.join(CORES)}")
    board.add_argument("--clock-mhz", type=positive_float, metavar="MHZ", help="its clock, with --core")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--top", type=int, default=0, metavar="N", help="list only the N costliest operators")
    return p


def run_estimate(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run ``tinynas-tui estimate`` with ``argv`` (the arguments after ``estimate``); return the exit code."""
    out = out or sys.stdout
    try:
        args = build_estimate_parser().parse_args(argv)
    except SystemExit as stop:  # --help (0) or a one-line argparse error (2), already printed
        return int(stop.code or 0)
    try:
        board = latency_board(args.target, args.core, args.clock_mhz)
        if board.npu:
            return _npu(Path(args.model), board, args.json, out)
        estimate = _estimate(Path(args.model), board.core, board.clock_mhz)
    except UsageError as err:
        return report_usage_error(err)
    if args.json:
        print(json.dumps({"model": str(args.model), "board": board.name, **estimate.to_dict()}, indent=2), file=out)
    else:
        _print_table(estimate, board.name, args.top, out)
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a .tflite file") from None
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None


def _estimate(path: Path, core: str, clock: float):  # -> Estimate
    from tinynas_tui.latency.estimate import estimate_tflite
    from tinynas_tui.latency.tflite_reader import ModelError

    try:
        return estimate_tflite(_read(path), core, clock)
    except ModelError as err:
        raise UsageError(f"{path}: {err}") from None


def _npu(path: Path, board, as_json: bool, out: TextIO) -> int:
    """An Ethos-U board: Vela compiles the model; its report is the estimate."""
    from tinynas_tui.latency.estimate import read_int8_ops
    from tinynas_tui.latency.tflite_reader import ModelError, read_ops
    from tinynas_tui.latency.vela import VelaError, compile_model, require_vela

    require_vela()
    data = _read(path)
    try:
        ops = read_int8_ops(data)
        result = compile_model(data, board.npu)
        compiled = read_ops(result.model).ops
    except (ModelError, VelaError) as err:
        raise UsageError(f"{path}: {err}") from None
    if as_json:
        print(json.dumps({"model": str(path), "board": board.name, "latency_ms": result.inference_ms,
                          "cycles": result.cycles, "core": board.core, "clock_mhz": result.clock_mhz,
                          "macs": ops.macs, "basis": "Arm Vela's performance estimate",
                          "ops": [{"index": o.index, "op": o.kind, "output_shape": list(o.output_shape)}
                                  for o in compiled],
                          "npu": result.to_dict()}, indent=2), file=out)
        return 0
    print(f"Vela ({result.accelerator}): {result.inference_ms:.3f} ms, {result.cycles:,} cycles at "
          f"{result.clock_mhz:g} MHz", file=out)
    print(f"operators: {result.npu_ops} on the NPU, {result.cpu_ops} on the CPU ({result.npu_share:.0%} on the NPU); "
          f"compiled model: {', '.join(o.kind for o in compiled)}", file=out)
    print(f"SRAM {result.sram_kib:.1f} KiB, flash {result.flash_kib:.1f} KiB; {ops.macs:,} MACs", file=out)
    print(f"total: {result.inference_ms:.3f} ms on {board.summary} (Arm Vela's estimate)", file=out)
    return 0


def _print_table(estimate, board: str, top: int, out: TextIO) -> None:
    costs = estimate.costs
    total = estimate.cycles or 1.0
    rows = sorted(costs, key=lambda c: -(c.cycles or 0))[:top] if top > 0 else costs
    print(f"{'#':>3s}  {'op':18s} {'output':>14s} {'MACs':>11s} {'cycles':>12s} {'share':>6s}", file=out)
    for c in rows:
        shape = "x".join(str(d) for d in c.op.output_shape[1:]) or "x".join(str(d) for d in c.op.output_shape)
        cycles = "no model" if c.cycles is None else f"{c.cycles:,.0f}"
        share = "" if c.cycles is None else f"{c.cycles / total:.1%}"
        note = f"  ({'; '.join(c.notes)})" if c.notes else ""
        print(f"{c.op.index:3d}  {c.op.kind:18s} {shape:>14s} {c.op.macs:>11,} {cycles:>12s} {share:>6s}{note}",
              file=out)
    print(f"total: {estimate.macs:,} MACs, {estimate.cycles:,.0f} cycles = {estimate.latency_ms:.2f} ms on {board} "
          f"({CORES[estimate.core].label}, {estimate.clock_mhz:g} MHz)", file=out)
    if estimate.unmodelled:
        print(f"not counted (no latency model): {', '.join(estimate.unmodelled)}", file=out)
    print(f"an estimate of TFLite Micro with CMSIS-NN; {CORES[estimate.core].label}: {estimate.basis}", file=out)
