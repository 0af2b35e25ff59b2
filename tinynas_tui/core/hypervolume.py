"""Hypervolume: the study's figure of merit, one number that only grows as the search finds better trials.

Each complete trial's objectives are normalised to the unit cube, larger is better on every axis:
accuracy as it is (0..1), size as ``1 - size_kb / reference.size_kb`` and latency as
``1 - latency_ms / reference.latency_ms``, each clipped to [0, 1]. The hypervolume is the volume of that
cube dominated by the normalised Pareto front, measured from the origin (accuracy 0, the size bound, the
latency bound); a trial at or beyond a bound adds nothing. Fixing the reference when the study is created
(stored with it: `Reference.to_dict`) makes the figure monotonic within a study, and normalising makes
0.62 read the same across studies with the same bounds.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from tinynas_tui.core.boards import TARGETS

STATED_SIZE_KB = 1024.0
"""The size bound without a flash budget or a known board: 1 MiB, the flash of a large MCU (e.g. nRF52840)."""
STATED_LATENCY_MS = 1000.0
"""The latency bound without a latency budget: one inference a second, slower is no longer interactive."""
ATTR = "hv_reference"
"""The study user attribute the reference is stored under."""

Point = tuple[float, float, float]


@dataclass(frozen=True)
class Reference:
    """The bounds objectives are normalised by, and where each came from."""

    size_kb: float
    latency_ms: float
    size_from: str = "stated"
    """``budgets`` (the flash budget), ``board`` (its flash) or ``stated`` (`STATED_SIZE_KB`)."""
    latency_from: str = "stated"
    """``budgets`` (the latency budget) or ``stated`` (`STATED_LATENCY_MS`)."""
    board: str | None = None
    """The board whose flash is the size bound, when ``size_from`` is ``board``."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"size_kb": self.size_kb, "latency_ms": self.latency_ms,
                               "size_from": self.size_from, "latency_from": self.latency_from}
        if self.board:
            out["board"] = self.board
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Reference | None:
        """The stored reference, or None when there is none or it is not one (untrusted storage)."""
        try:
            size, latency = float(data["size_kb"]), float(data["latency_ms"])  # type: ignore[index]
        except (TypeError, KeyError, ValueError):
            return None
        if not (math.isfinite(size) and size > 0 and math.isfinite(latency) and latency > 0):
            return None
        board = str(data.get("board"))  # type: ignore[union-attr]
        sources = ("budgets", "board", "stated")
        size_from, latency_from = (str(data.get(k)) for k in ("size_from", "latency_from"))  # type: ignore[union-attr]
        return cls(size, latency, size_from if size_from in sources else "stated",
                   latency_from if latency_from in sources else "stated", board if board in TARGETS else None)

    @property
    def text(self) -> str:
        """e.g. ``size 256 KiB, latency 100 ms, from the budgets``."""
        size, latency = f"size {self.size_kb:g} KiB", f"latency {self.latency_ms:g} ms"
        if self.size_from == self.latency_from and self.size_from != "board":
            return f"{size}, {latency}, {_source(self.size_from, None)}"
        return f"{size} {_source(self.size_from, self.board)}, {latency} {_source(self.latency_from, None)}"


def _source(kind: str, board: str | None) -> str:
    if kind == "budgets":
        return "from the budgets"
    if kind == "board":
        return f"from the board {board}" if board else "from the board"
    return "stated"


def reference_for(budgets: Mapping[str, Any] | None, latency: Mapping[str, Any] | None) -> Reference:
    """The reference of a study defined with these budgets and latency board (stored definition dicts).

    Size: the flash budget, else the flash of the study's board, else `STATED_SIZE_KB`. Latency: the
    latency budget, else `STATED_LATENCY_MS`.
    """
    budgets, latency = budgets or {}, latency or {}
    board = TARGETS.get(str(latency.get("board")))
    if budgets.get("max_flash_kb"):
        size, size_from, name = float(budgets["max_flash_kb"]), "budgets", None
    elif board is not None:
        size, size_from, name = float(board.flash_kb), "board", board.name
    else:
        size, size_from, name = STATED_SIZE_KB, "stated", None
    if budgets.get("max_latency_ms"):
        lat, lat_from = float(budgets["max_latency_ms"]), "budgets"
    else:
        lat, lat_from = STATED_LATENCY_MS, "stated"
    return Reference(size, lat, size_from, lat_from, name)


def stored_or_derived(attrs: Mapping[str, Any]) -> Reference:
    """The reference stored in a study's user attributes, else the one its stored definition gives (what
    opening it would store; a reader such as an export does not write)."""
    stored = Reference.from_dict(attrs.get(ATTR))
    return stored or reference_for(attrs.get("budgets") or {}, attrs.get("latency") or {})


def figure(value: float, reference: Reference) -> dict[str, Any]:
    """The study's hypervolume as exports record it: the value, its reference and the reference in words."""
    return {"value": value, "reference": reference.to_dict(), "reference_text": reference.text}


def normalise(values: Sequence[float], ref: Reference) -> Point | None:
    """(accuracy, size, latency) in the unit cube, larger better; None when it adds nothing (at or beyond a
    bound on some axis, or not a number)."""
    return _normalised(values, 1.0 / ref.size_kb, 1.0 / ref.latency_ms)


def _normalised(values: Sequence[float], per_kb: float, per_ms: float) -> Point | None:
    # Written out, not through a clip per axis: this runs once per complete trial when a study opens.
    accuracy, size_kb, latency_ms = values
    size, latency = 1.0 - size_kb * per_kb, 1.0 - latency_ms * per_ms
    if not (accuracy > 0.0 and size > 0.0 and latency > 0.0):  # NaN compares False: adds nothing
        return None
    return (accuracy if accuracy < 1.0 else 1.0, size if size < 1.0 else 1.0, latency if latency < 1.0 else 1.0)


def of_values(values: Iterable[Sequence[float]], reference: Reference) -> float:
    """The hypervolume of complete trials' (accuracy, size_kb, latency_ms), all at once (e.g. a study as the
    switcher lists it); `HypervolumeHistory` keeps it trial by trial."""
    per_kb, per_ms = 1.0 / reference.size_kb, 1.0 / reference.latency_ms
    return hypervolume([p for v in values if (p := _normalised(v, per_kb, per_ms)) is not None])


def _weakly_dominates(a: Point, b: Point) -> bool:
    return a[0] >= b[0] and a[1] >= b[1] and a[2] >= b[2]


def hypervolume(points: Iterable[Point]) -> float:
    """The volume of [0, 1]^3 dominated by ``points`` (normalised, larger better), measured from the origin.

    A sweep down the third axis: between one level and the next, the area of the 2-D staircase (the front
    on the first two axes) of the points at or above it. The staircase keeps only its steps and its area
    grows by what each point adds, so a whole study's trials, dominated or not, cost O(n log n) plus the
    list inserts (the switcher lists 50 studies of 1,000 trials at once).
    """
    pts = sorted(set(points), key=_third, reverse=True)
    volume = area = 0.0
    neg_xs: list[float] = []  # the steps' first coordinates negated (ascending, for bisect): largest first
    ys: list[float] = []  # their second coordinates, ascending
    for i, (x, y, z) in enumerate(pts):
        step = bisect.bisect_right(neg_xs, -x)  # steps [0, step) reach at least as far on the first axis
        if not step or ys[step - 1] < y:  # else covered by a step: most of a study's trials end here
            area += _step_in(neg_xs, ys, step, x, y)
        below = pts[i + 1][2] if i + 1 < len(pts) else 0.0
        if z > below:
            volume += (z - below) * area
    return volume


def _third(p: Point) -> float:
    return p[2]


def _step_in(neg_xs: list[float], ys: list[float], i: int, x: float, y: float) -> float:
    """Put (x, y), which no step covers, on the staircase before step ``i``; return the area it adds."""
    if i and neg_xs[i - 1] == -x:
        i -= 1  # the step as far out but lower: replaced
    added, bottom, j = 0.0, ys[i - 1] if i else 0.0, i
    while j < len(ys) and ys[j] <= y:  # steps under (x, y): each band of theirs widens to x
        added += (x + neg_xs[j]) * (ys[j] - bottom)
        bottom = ys[j]
        j += 1
    added += (x + (neg_xs[j] if j < len(ys) else 0.0)) * (y - bottom)  # the band up to y over the next step
    neg_xs[i:j], ys[i:j] = [-x], [y]
    return added


class HypervolumeHistory:
    """The hypervolume after each complete trial, in the order they are added, kept incrementally.

    A trial that adds nothing or is dominated by the front costs a check against the front; only a trial
    that enters it recomputes the volume (O(front log front)).
    """

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.history: list[float] = []
        self._front: list[Point] = []
        self._current = 0.0
        self._per_kb, self._per_ms = 1.0 / reference.size_kb, 1.0 / reference.latency_ms

    @property
    def current(self) -> float:
        return self._current

    def add(self, values: Sequence[float]) -> float:
        """Take one complete trial's (accuracy, size_kb, latency_ms); return the hypervolume after it."""
        point = _normalised(values, self._per_kb, self._per_ms)
        if point is not None and self._enters(point):
            self._front = [p for p in self._front if not _weakly_dominates(point, p)]
            self._front.append(point)
            self._current = hypervolume(self._front)
        self.history.append(self._current)
        return self._current

    def _enters(self, point: Point) -> bool:
        front = self._front
        a, b, c = point
        for i, p in enumerate(front):
            if p[0] >= a and p[1] >= b and p[2] >= c:
                if i:  # the point that dominated is checked first next time: most trials stop at one
                    front[0], front[i] = front[i], front[0]
                return False
        return True
