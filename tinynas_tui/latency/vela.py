"""Arm Ethos-U NPU boards: the model compiled by Arm's own compiler, Vela, and Vela's own figures.

On an Ethos-U board the NPU runs what Vela compiled (one ``ethos-u`` custom operator that the host's
TensorFlow Lite Micro hands to the NPU driver), so its inference time, the share of operators on the
NPU and the SRAM and flash it needs come from Vela's report, not from the Cortex-M latency model.
Vela (``ethos-u-vela``) is an extra: ``pip install -e ".[npu]"``. Vela needs no TensorFlow.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from tinynas_tui.errors import UsageError

SYSTEM_CONFIG = {"ethos-u55": "Ethos_U55_High_End_Embedded", "ethos-u65": "Ethos_U65_High_End"}
"""Vela's system configuration for each NPU family (its ``vela.ini``: clocks, memory bandwidths)."""
MEMORY_MODE = {"ethos-u55": "Shared_Sram", "ethos-u65": "Dedicated_Sram"}
_OPERATORS = re.compile(r"^(CPU|NPU) operators = (\d+) \(([\d.]+)%\)", re.M)


class VelaError(RuntimeError):
    """Vela could not compile the model; the message carries Vela's own last line."""


def require_vela() -> None:
    """Refuse, in one line, an NPU board when Vela is not installed."""
    if importlib.util.find_spec("ethosu") is None or importlib.util.find_spec("ethosu.vela") is None:
        raise UsageError("the Ethos-U boards need Arm's Vela compiler, which is not installed: "
                         "pip install -e \".[npu]\" (or pip install ethos-u-vela)")


@dataclass(frozen=True)
class VelaResult:
    """What Vela made of one model for one NPU configuration.

    Attributes:
        model: Vela's optimised ``.tflite`` (what the board runs).
        inference_ms: Vela's estimated time of one inference.
        cycles: Its estimated NPU cycles in all (``cycles_total``) at ``clock_mhz``.
        clock_mhz: The NPU clock of the system configuration.
        npu_ops, cpu_ops: Operators placed on the NPU and left to the CPU.
        sram_kib, flash_kib: SRAM (tensor arena) and flash (weights) the compiled model needs.
        accelerator: e.g. ``ethos-u55-128``.
    """

    model: bytes
    inference_ms: float
    cycles: int
    clock_mhz: float
    npu_ops: int
    cpu_ops: int
    sram_kib: float
    flash_kib: float
    accelerator: str

    @property
    def npu_share(self) -> float:
        total = self.npu_ops + self.cpu_ops
        return self.npu_ops / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"accelerator": self.accelerator, "inference_ms": self.inference_ms, "cycles": self.cycles,
                "clock_mhz": self.clock_mhz, "npu_ops": self.npu_ops, "cpu_ops": self.cpu_ops,
                "npu_share": self.npu_share, "sram_kib": self.sram_kib, "flash_kib": self.flash_kib}


@contextlib.contextmanager
def _captured_output(path: Path) -> Iterator[io.StringIO]:
    """Vela's own output (its C++ core writes to file descriptors 1 and 2 directly), kept out of the
    terminal and handed back once the block ends."""
    said = io.StringIO()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            yield said
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for handle in (*saved, fd):
            os.close(handle)
        said.write(path.read_text(errors="replace"))


def compile_model(model_bytes: bytes, accelerator: str) -> VelaResult:
    """Compile an int8 ``.tflite`` with Vela for ``accelerator`` (e.g. ``ethos-u55-128``).

    Raises:
        UsageError: Vela is not installed.
        VelaError: Vela refused the model.
    """
    require_vela()
    from ethosu import vela as vela_package
    from ethosu.vela import vela

    family = accelerator.rsplit("-", 1)[0]
    config = Path(vela_package.__file__).parent.parent / "config_files" / "Arm" / "vela.ini"
    with tempfile.TemporaryDirectory(prefix="tinynas-vela-") as folder:
        source = Path(folder) / "model.tflite"
        source.write_bytes(model_bytes)
        args = [str(source), "--accelerator-config", accelerator, "--output-dir", str(Path(folder) / "out"),
                "--system-config", SYSTEM_CONFIG[family], "--memory-mode", MEMORY_MODE[family]]
        if config.is_file():
            args += ["--config", str(config)]
        with _captured_output(Path(folder) / "vela.log") as said:
            try:
                code = vela.main(args)
            except SystemExit as stop:  # Vela's argument errors exit
                code = stop.code
            except Exception as err:  # Vela raises its own errors for unsupported models
                code = f"{type(err).__name__}: {err}"
        if code:
            last = [line for line in said.getvalue().splitlines() if line.strip()][-1:] or ["no output"]
            if isinstance(code, str):
                raise VelaError(f"Vela could not compile the model: {code}")
            raise VelaError(f"Vela could not compile the model (exit code {code}): {last[0]}")
        out = Path(folder) / "out"
        summary = next(out.glob("*_summary_*.csv"))
        with summary.open(newline="") as fh:
            row = next(csv.DictReader(fh))
        optimised = next(out.glob("*_vela.tflite")).read_bytes()
    counts = {kind: int(n) for kind, n, _ in _OPERATORS.findall(said.getvalue())}
    return VelaResult(
        model=optimised,
        inference_ms=float(row["inference_time"]) * 1e3,
        cycles=int(float(row["cycles_total"])),
        clock_mhz=float(row["core_clock"]) / 1e6,
        npu_ops=counts.get("NPU", 0),
        cpu_ops=counts.get("CPU", 0),
        sram_kib=float(row["sram_memory_used"]),
        flash_kib=float(row["off_chip_flash_memory_used"]) + float(row["on_chip_flash_memory_used"]),
        accelerator=accelerator,
    )
