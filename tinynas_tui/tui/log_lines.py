"""Reading the worker's log: which lines are library chatter, and which trial each line is of.

TensorFlow, absl, the TFLite converter and LiteRT write the same lines for every trial (oneDNN notices,
``fully_quantize: 0, …``, the XNNPACK delegate, MLIR's summary of ops). They are hidden by default; what
is left is the trial's own output: warnings worth reading, tracebacks, crash dumps. The worker marks each
trial's start and end (`core.log_marks`), so each line is tagged with the trials running when it came.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tinynas_tui.core.log_marks import read_mark

NOISE = re.compile("|".join((
    r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$",
    r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] ",  # absl's C++ log prefix (I0000 00:00:…  9011 port.cc:153])
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] \S+:\d+\] ",  # TensorFlow's older C++ log prefix
    r"^(INFO|WARNING):absl:",  # Python absl logging
    r"^(INFO|WARNING):tensorflow:",
    r"^INFO: Created TensorFlow Lite (XNNPACK )?delegate for CPU\.$",
    r"^INFO: Initialized TensorFlow Lite runtime\.$",
    r"^fully_quantize: \d+, inference_type: ",
    r"^Estimated count of arithmetic ops: ",
    r"^(Summary on the non-converted ops:|-{5,})$",
    r"^ ?\* (Accepted dialects|Non-Converted Ops|Executed ops|\d+ ARITH ops)",
    r"^\s*- (arith|tfl|tf)\.\w+: \d+ occurrences",
    r"^\s*\(f32: \d+|^\s*\(i\d+: \d+|^\s*\(uq_\d+: \d+",  # MLIR per-type counts under an op
    r"^loc\(",  # an MLIR location
    r"^\S*/site-packages/(tensorflow|tf_keras|keras|tensorflow_model_optimization|ai_edge_litert)\S*:\d+: \w*Warning: ",
    r"^To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.$",
    r"^Saved artifact at '",
)))
"""Lines of library chatter. The absl prefixes, ``fully_quantize``, the XNNPACK delegate, the AVX2 notice and
the tf_keras warning are those of a real trial's log (tests/tui/fixtures/worker.log); the rest are
TensorFlow's other known formats (its older C++ prefix, Python absl logging, MLIR's summary of ops)."""


def is_noise(line: str) -> bool:
    return NOISE.search(line) is not None


@dataclass(frozen=True)
class LogLine:
    """One line of the log as read: the line as written, when it was read, and the trials it is of."""

    text: str
    stamp: str
    trials: tuple[int, ...]
    noise: bool
    mark: bool = False
    note: bool = False
    """A line the pane writes itself (where the log is), never hidden."""

    def shown(self) -> str:
        """``12:03:04 #7   text``: the time it was read, the trial(s) running, the line (a mark in words)."""
        tag = "#" + "+".join(map(str, self.trials)) if self.trials else ""
        text = self.text
        if self.mark:
            number, started = read_mark(text) or (0, True)
            text = f"── trial {number} {'started' if started else 'ended'} ──"
        return f"{self.stamp} {tag:<4} {text}"


WARNING = re.compile(r"^\S+:\d+: \w*Warning: ")
"""Python's warning line; the indented line after it is the source line that warned."""


class LogTagger:
    """Tags lines with the trials running, from the worker's start and end marks."""

    def __init__(self) -> None:
        self.running: list[int] = []
        self._after_noisy_warning = False

    def tag(self, line: str, now: datetime | None = None) -> LogLine:
        stamp = (now or datetime.now()).strftime("%H:%M:%S")
        mark = read_mark(line)
        if mark is None:
            noise = is_noise(line) or (self._after_noisy_warning and line.startswith(" "))
            self._after_noisy_warning = noise and WARNING.match(line) is not None
            return LogLine(line, stamp, tuple(self.running), noise)
        self._after_noisy_warning = False
        number, started = mark
        if started:
            if number not in self.running:
                self.running.append(number)
        elif number in self.running:
            self.running.remove(number)
        return LogLine(line, stamp, (number,), False, mark=True)
