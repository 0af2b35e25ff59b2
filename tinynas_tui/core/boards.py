"""Boards and their cores: what a deployed model may use (flash, RAM) and what runs it (core, clock).

A board names its core class by the kernels CMSIS-NN builds for it; the latency model
(`tinynas_tui.latency`) has one set of costs per core. ``--target NAME`` picks a board; ``--core`` and
``--clock-mhz`` describe any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinynas_tui.errors import UsageError

@dataclass(frozen=True)
class Core:
    """A core class, by the kernels CMSIS-NN builds for it.

    Attributes:
        name: e.g. ``cortex-m4``.
        label: e.g. ``Cortex-M4``.
        kernels: Which CMSIS-NN code path runs on it: ``scalar`` (no DSP extension: plain C), ``dsp``
            (SIMD through the DSP extension) or ``mve`` (Helium vectors).
    """

    name: str
    label: str
    kernels: str


CORES: dict[str, Core] = {c.name: c for c in (
    Core("cortex-m0plus", "Cortex-M0+", "scalar"),
    Core("cortex-m4", "Cortex-M4", "dsp"),
    Core("cortex-m7", "Cortex-M7", "dsp"),
    Core("cortex-m33", "Cortex-M33", "dsp"),
    Core("cortex-m55", "Cortex-M55", "mve"),
    Core("cortex-m85", "Cortex-M85", "mve"),
)}


def resolve_core(name: str) -> Core:
    """The core called ``name``; an unknown one raises a one-line `UsageError`."""
    try:
        return CORES[name]
    except KeyError:
        raise UsageError(f"unknown core {name!r}: expected one of {', '.join(CORES)}") from None


@dataclass(frozen=True)
class Target:
    """A microcontroller board: its core and clock, and what a deployed model may use of it."""

    name: str
    description: str
    core: str
    clock_mhz: float
    flash_kb: float
    ram_kb: float
    npu: str | None = None
    """An Arm Ethos-U NPU as Vela names its configuration (``ethos-u55-128``), or None."""


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("m0plus-256k", "Cortex-M0+ class, 48 MHz (e.g. SAMD21)", "cortex-m0plus", 48, 256, 32),
    Target("m4-256k", "Cortex-M4F class, 64 MHz (e.g. nRF52832)", "cortex-m4", 64, 256, 64),
    Target("m4-1m", "Cortex-M4F class, 64 MHz (e.g. nRF52840, Arduino Nano 33 BLE)", "cortex-m4", 64, 1024, 256),
    Target("m7-1m", "Cortex-M7 class, 216 MHz (e.g. STM32F746)", "cortex-m7", 216, 1024, 320),
    # Boards of the published measurements the latency model is calibrated on (and two common ones).
    Target("nucleo-g0b1re", "NUCLEO-G0B1RE: STM32G0B1RE, Cortex-M0+ at 64 MHz", "cortex-m0plus", 64, 512, 144),
    Target("nucleo-l4r5zi", "NUCLEO-L4R5ZI: STM32L4R5ZI, Cortex-M4F at 120 MHz", "cortex-m4", 120, 2048, 640),
    Target("nucleo-u575zi", "NUCLEO-U575ZI-Q: STM32U575ZI, Cortex-M33 at 160 MHz", "cortex-m33", 160, 2048, 786),
    Target("ek-ra6m4", "EK-RA6M4: Renesas RA6M4, Cortex-M33 at 200 MHz", "cortex-m33", 200, 1024, 256),
    Target("nrf5340", "nRF5340 application core: Cortex-M33 at 128 MHz", "cortex-m33", 128, 1024, 512),
    Target("disco-f746ng", "STM32F746G-DISCO: STM32F746NG, Cortex-M7 at 216 MHz", "cortex-m7", 216, 1024, 320),
    Target("nucleo-h7a3zi", "NUCLEO-H7A3ZI-Q: STM32H7A3ZI, Cortex-M7 at 280 MHz", "cortex-m7", 280, 2048, 1376),
    Target("stm32h743", "STM32H743 (e.g. NUCLEO-H743ZI2): Cortex-M7 at 480 MHz", "cortex-m7", 480, 2048, 1024),
    Target("ek-ra8d1", "EK-RA8D1: Renesas RA8D1, Cortex-M85 at 480 MHz", "cortex-m85", 480, 2048, 1024),
    # Arm Ethos-U NPU boards (Corstone-300 / -310 class): the model is compiled by Vela, whose figures
    # (for its High_End_Embedded / High_End system configurations) are the latency and memory.
    Target("ethos-u55-64", "Cortex-M55 with an Ethos-U55 NPU, 64 MACs/cycle (Corstone-300 class)", "cortex-m55",
           500, 2048, 1024, npu="ethos-u55-64"),
    Target("ethos-u55-128", "Cortex-M55 with an Ethos-U55 NPU, 128 MACs/cycle (Corstone-300 class)", "cortex-m55",
           500, 2048, 1024, npu="ethos-u55-128"),
    Target("ethos-u55-256", "Cortex-M55 with an Ethos-U55 NPU, 256 MACs/cycle (Corstone-300 class)", "cortex-m55",
           500, 4096, 2048, npu="ethos-u55-256"),
    Target("ethos-u65-256", "Ethos-U65 NPU, 256 MACs/cycle, dedicated SRAM (Corstone-310 class)", "cortex-m55",
           1000, 4096, 2048, npu="ethos-u65-256"),
)}

DEFAULT_TARGET = "m4-1m"
"""The board latency is estimated for when none is named (an Arduino Nano 33 BLE class board); naming
no board sets no budget."""


def resolve_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise UsageError(f"unknown target {name!r}: expected one of {', '.join(TARGETS)}") from None


@dataclass(frozen=True)
class LatencyBoard:
    """What a study's latency objective is estimated for: a board's core at its clock.

    A study with none (created before board latency, or converted without full-integer quantization,
    which TFLite Micro's int8 kernels do not run) measures latency on the host CPU instead.
    """

    name: str
    core: str
    clock_mhz: float
    npu: str | None = None
    """An Ethos-U NPU (Vela's configuration name): Vela's estimate, not the Cortex-M model's."""

    @property
    def summary(self) -> str:
        """e.g. ``m4-1m (Cortex-M4, 64 MHz)``, ``ethos-u55-128 (Ethos-U55 NPU by Vela, 500 MHz)``."""
        if self.npu:
            family = self.npu.rsplit("-", 1)[0].replace("ethos-u", "Ethos-U")
            return f"{self.name} ({family} NPU by Vela, {self.clock_mhz:g} MHz)"
        return f"{self.name} ({CORES[self.core].label}, {self.clock_mhz:g} MHz)"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"board": self.name, "core": self.core, "clock_mhz": self.clock_mhz}
        if self.npu:
            out["npu"] = self.npu
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> LatencyBoard | None:
        """The board a stored definition names, or None for the host CPU (an empty or missing one)."""
        if not data or not data.get("core"):
            return None
        return cls(str(data["board"]), str(data["core"]), float(data["clock_mhz"]), data.get("npu") or None)


HOST_LATENCY = "host CPU (LiteRT, one thread)"
"""How the UI and reports name the latency of a study without a board."""


def latency_board(target: str | None = None, core: str | None = None,
                  clock_mhz: float | None = None) -> LatencyBoard:
    """The board of ``--target NAME``, or of ``--core NAME --clock-mhz MHZ``, or the default board.

    Raises:
        UsageError: Both ways given, half of the second, an unknown board or core, a clock not above 0.
    """
    if target is not None and (core is not None or clock_mhz is not None):
        raise UsageError("give either --target NAME or --core NAME with --clock-mhz MHZ, not both")
    if core is not None or clock_mhz is not None:
        if core is None or clock_mhz is None:
            raise UsageError("--core and --clock-mhz go together (e.g. --core cortex-m7 --clock-mhz 480)")
        resolve_core(core)
        if not clock_mhz > 0:
            raise UsageError(f"--clock-mhz must be a positive number, got {clock_mhz}")
        return LatencyBoard(f"{core}@{clock_mhz:g}MHz", core, float(clock_mhz))
    board = resolve_target(target or DEFAULT_TARGET)
    return LatencyBoard(board.name, board.core, float(board.clock_mhz), board.npu)
