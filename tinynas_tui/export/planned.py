"""What an export plan holds: the files it would write, the trials and files it skips, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from tinynas_tui.core.inert_text import inert


@dataclass(frozen=True)
class PlannedFile:
    """One file of an export: its name inside the output folder and how to make its bytes."""

    name: str
    format: str
    trial: int | None
    produce: Callable[[], bytes] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Skipped:
    """A chosen trial that is not exported (``format`` None), or one file of a trial that is not."""

    trial: int
    reason: str
    format: str | None = None

    def __str__(self) -> str:
        return f"trial {self.trial}: {inert(self.reason)}"


@dataclass
class ExportPlan:
    """What an export would write, skip and overwrite; `write_export` writes it.

    Attributes:
        study_name: The study's name as stored.
        out_dir: The output folder as given.
        formats: The formats asked for.
        trials: The trials that are exported (at least one file each), in order.
        files: Name inside ``out_dir`` -> the planned file, in writing order.
        skipped: Trials (and single files) not exported, each with the reason.
        conflicts: Files that exist already (would be overwritten).
    """

    study_name: str
    out_dir: Path
    formats: tuple[str, ...]
    trials: list[int] = field(default_factory=list)
    files: dict[str, PlannedFile] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    conflicts: list[Path] = field(default_factory=list)
    not_kept: dict[str, list[int]] = field(default_factory=dict)
    """Format -> the exported trials that have none, for formats given by default rather than asked for
    by name: left out of `skipped` (one note in the summary instead of a line per trial)."""

    def path(self, name: str) -> Path:
        return self.out_dir / name

    @property
    def paths(self) -> list[Path]:
        return [self.path(name) for name in self.files]

    def summary(self, written: Sequence[Path] | None = None) -> str:
        """One line: ``exported 2 of 3 trials of study 'x' to out: 9 files, 1 skipped``."""
        count = len(self.files) if written is None else len(written)
        whole = len({s.trial for s in self.skipped if s.format is None})
        parts = [s for s in self.skipped if s.format is not None]
        chosen = len(self.trials) + whole
        verb = "would export" if written is None else "exported"
        notes = []
        if whole:
            notes.append(f"{whole} trial{'s' if whole != 1 else ''} skipped")
        if parts:
            notes.append(f"{len(parts)} file{'s' if len(parts) != 1 else ''} not available "
                         f"({', '.join(sorted({'.' + s.format for s in parts if s.format}))})")
        notes += self.not_kept_notes()
        return (f"{verb} {len(self.trials)} of {chosen} trial{'s' if chosen != 1 else ''} of study "
                f"{inert(repr(self.study_name))} to {self.out_dir}: {count} file{'s' if count != 1 else ''} written"
                + (f"; {', '.join(notes)}" if notes else ""))

    def not_kept_notes(self) -> list[str]:
        """``.keras not kept by this study: not exported`` (or ``… for trials 3, 5``), one per format."""
        notes = []
        for fmt, numbers in self.not_kept.items():
            if not numbers:
                continue
            which = ("by this study" if set(numbers) >= set(self.trials)
                     else f"for trial{'s' if len(numbers) != 1 else ''} {', '.join(map(str, numbers))}")
            notes.append(f".{fmt} not kept {which}: not exported")
        return notes
