"""Planning and writing an export of chosen trials of a study.

Two steps, so a UI can ask before overwriting anything:

* `plan_export` reads the study and the artifact store and says what would be written (`ExportPlan.files`,
  each a name inside the output folder and a producer of its bytes), which trials or files are skipped and
  why (`ExportPlan.skipped`), and which files already exist (`ExportPlan.conflicts`). It writes nothing.
* `write_export` writes the plan: nothing at all when a file exists and ``force`` is not given, and each
  file through a temporary file in the same folder and ``os.replace``, so a file is either the old one or
  the complete new one.

File names come from the study name, sanitised by `safe_name`, and the trial number; every path is
checked to resolve inside the output folder (a symlink pointing out of it is refused), so nothing is
ever written outside it.

Per trial (``{study}-trial-{n}``): ``.tflite`` (the stored bytes, unchanged), ``.cc`` + ``.h`` (format
``c``), ``.keras`` (when the trial has a ``model.keras`` artifact), ``-params.json``. For the whole set:
``{study}-trials.csv`` and ``{study}-report.md``. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from tinynas_tui.errors import UsageError
from tinynas_tui.export.c_array import c_identifier, tflite_to_c
from tinynas_tui.export.report import ReportContext, csv_text, markdown_report
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.trial_book import Ranking, TrialBook, TrialRecord
from tinynas_tui.core.scoring import Weights
from tinynas_tui.search.storage import mask_url
from tinynas_tui.search.study import OBJECTIVES, stored_definition, stored_sampler

FORMATS = ("tflite", "c", "keras", "json", "csv", "md")
PER_TRIAL_FORMATS = ("tflite", "c", "keras", "json")
TFLITE_ARTIFACT = "model.tflite"
KERAS_ARTIFACT = "model.keras"
KERAS_H5_ARTIFACT = "model.h5"
# Distributions whose versions params.json records (those installed when the export runs).
VERSIONED_PACKAGES = ("tinynas-tui", "tensorflow", "tf-keras", "tensorflow-model-optimization", "optuna",
                      "ai-edge-litert", "tflite-micro", "numpy")
MAX_NAME_LENGTH = 80


# -- input ------------------------------------------------------------------------------------------


def parse_formats(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"tflite,c"`` (or a sequence of names) as known formats in `FORMATS` order, without repeats.

    None or ``"all"`` means every format. An unknown or empty list raises a one-line `UsageError`.
    """
    if text is None:
        return FORMATS
    parts = [p.strip().lower() for p in (text.split(",") if isinstance(text, str) else text)]
    parts = [p for p in parts if p]
    if parts == ["all"]:
        return FORMATS
    unknown = [p for p in parts if p not in FORMATS]
    if unknown:
        raise UsageError(f"unknown export format {unknown[0]!r}: expected a comma-separated list of "
                         f"{', '.join(FORMATS)} (or all)")
    if not parts:
        raise UsageError(f"no export format given: expected a comma-separated list of {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in parts)


def safe_name(text: str) -> str:
    """A study name as a safe file-name stem: ASCII letters, digits, ``_``, ``-`` and single dots.

    Any other run of characters (``/``, ``\\``, spaces, ...) and any run of dots become ``_``; leading
    and trailing ``.``, ``-`` and ``_`` go (no hidden files, nothing that reads as an option); the result
    is cut to `MAX_NAME_LENGTH` and is ``study`` if nothing is left. ``../../etc`` gives ``etc``.
    """
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)
    name = re.sub(r"\.{2,}", "_", name)
    name = re.sub(r"_{2,}", "_", name).strip("._-")
    return name[:MAX_NAME_LENGTH].rstrip("._-") or "study"


def _trial_span(numbers: Sequence[int]) -> str:
    if not numbers:
        return "it has no trials"
    if len(numbers) == 1:
        return f"it has trial {numbers[0]}"
    return f"it has trials {min(numbers)}-{max(numbers)}"


def check_numbers(study: Any, numbers: Iterable[int], trials: Sequence[Any] | None = None) -> list[int]:
    """``numbers`` without repeats (first occurrence kept); an unknown number raises `UsageError`."""
    trials = study.get_trials(deepcopy=False) if trials is None else trials
    known = sorted(t.number for t in trials)
    have = set(known)
    out: list[int] = []
    for n in numbers:
        if n not in have:
            raise UsageError(f"unknown trial {n} in study {study.study_name!r} ({_trial_span(known)})")
        if n not in out:
            out.append(n)
    return out


def study_budgets(attrs: dict[str, Any]) -> Budgets:
    """The budgets stored with a study (none if it has none, or they cannot be read)."""
    try:
        return Budgets.from_dict(attrs.get("budgets") or {})
    except (TypeError, UsageError):
        return Budgets()


def _book(trials: Sequence[Any]) -> TrialBook:
    book = TrialBook()
    book.merge(TrialRecord.from_frozen(t) for t in trials)
    return book


def select_trials(
    study: Any,
    *,
    numbers: Sequence[int] = (),
    pareto: bool = False,
    best: int | None = None,
    weights: Weights | None = None,
    budgets: Budgets | None = None,
) -> list[int]:
    """The trial numbers to export, by exactly one of: explicit ``numbers``, the Pareto front, the best.

    Args:
        numbers: Trial numbers, in the order wanted (repeats dropped); any state (a trial that cannot be
            exported is skipped later, and said so).
        pareto: Every complete trial on the Pareto front (accuracy up, size and latency down), in order.
        best: The ``best`` complete trials by rank: weighted score, with trials over one of the study's
            budgets after all that fit (the trial table's rank column).
        weights: Score weights for ``best`` (default `Weights()`).
        budgets: Budgets for ``best`` (default: those stored with the study).

    Raises:
        UsageError: Not exactly one mode; an unknown trial number; ``best`` below 1; no complete trial
            for ``pareto`` or ``best``.
    """
    modes = sum([bool(numbers), bool(pareto), best is not None])
    if modes != 1:
        raise UsageError("choose the trials with exactly one of --trial N (repeatable), --pareto, --best K")
    trials = study.get_trials(deepcopy=False)
    if numbers:
        return check_numbers(study, numbers, trials)
    if best is not None and best < 1:
        raise UsageError(f"--best needs a positive number of trials, got {best}")
    book = _book(trials)
    if not book.complete():
        raise UsageError(f"study {study.study_name!r} has no complete trial to export ({len(trials)} trials)")
    ranking = book.rank(weights or Weights(), budgets if budgets is not None else study_budgets(study.user_attrs))
    if pareto:
        return sorted(ranking.front)
    return sorted(ranking.ranks, key=ranking.ranks.__getitem__)[:best]


# -- the plan ---------------------------------------------------------------------------------------


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
        return f"trial {self.trial}: {self.reason}"


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
        return (f"{verb} {len(self.trials)} of {chosen} trial{'s' if chosen != 1 else ''} of study "
                f"{self.study_name!r} to {self.out_dir}: {count} file{'s' if count != 1 else ''} written"
                + (f"; {', '.join(notes)}" if notes else ""))


def _inside(out_root: Path, out_dir: Path, name: str) -> Path:
    """``out_dir / name``, refused unless it resolves to a file directly inside ``out_root``."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise UsageError(f"refusing to write {name!r}: not a plain file name")
    path = out_dir / name
    resolved = path.resolve()
    if not resolved.is_relative_to(out_root) or resolved == out_root:
        raise UsageError(f"refusing to write {path}: it resolves to {resolved}, outside {out_dir}")
    return path


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _why_not_exported(trial: Any) -> str | None:
    state = trial.state.name
    attrs = trial.user_attrs
    if state == "COMPLETE":
        return None
    if state in ("FAIL", "PRUNED"):
        kind = "fail" if state == "FAIL" else "prune"
        stage, reason = attrs.get(f"{kind}_stage"), attrs.get(f"{kind}_reason")
        detail = f"{stage}: {reason}" if stage and reason else (reason or stage or "no reason recorded")
        first = str(detail).strip().splitlines()[0] if str(detail).strip() else "no reason recorded"
        return f"{'failed' if state == 'FAIL' else 'pruned'} ({first})"
    if state == "RUNNING":
        return "still running (no model yet)"
    if state == "WAITING":
        return "waiting to run (no model yet)"
    return f"{state.lower()} (no model)"


def _read_artifact(store: Any, artifact_id: str) -> bytes | None:
    try:
        with store.open_reader(artifact_id) as fh:
            return fh.read()
    except Exception:  # ArtifactNotFound, an invalid id, an unreadable file: the trial cannot be exported
        return None


def _store_where(store: Any) -> str:
    base = getattr(store, "_base_path", None)
    return f"the artifact store at {base}" if base is not None else repr(store)


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats as None, so the JSON is standard."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Installed versions of `VERSIONED_PACKAGES` (``unknown`` when one is not installed); imports none."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def _storage_display(study: Any, storage_url: str | None) -> str:
    if storage_url is None:
        storage = getattr(study, "_storage", None)
        storage_url = getattr(storage, "url", None) or getattr(getattr(storage, "_backend", None), "url", None)
    return mask_url(storage_url) if storage_url else ""


def plan_export(
    study: Any,
    artifact_store: Any,
    numbers: Sequence[int],
    out_dir: Path | str,
    formats: str | Sequence[str] | None = FORMATS,
    weights: Weights | None = None,
    *,
    budgets: Budgets | None = None,
    storage_url: str | None = None,
) -> ExportPlan:
    """What exporting trials ``numbers`` of ``study`` into ``out_dir`` would write; writes nothing.

    Args:
        study: The Optuna study.
        artifact_store: The study's artifact store (its ``open_reader`` gives a trial's stored files).
        numbers: Trial numbers to export (see `select_trials`); repeats are dropped.
        out_dir: The output folder; it may not exist yet.
        formats: Formats from `FORMATS` (a sequence, or comma-separated text); None means all.
        weights: Weights of the score and rank in the CSV, report and params.json (default `Weights()`).
        budgets: Budgets of the rank (default: those stored with the study).
        storage_url: The storage URL for the report (masked); by default read from the study.

    Raises:
        UsageError: Unknown trial or format; ``out_dir`` is not a folder; a path would resolve outside it.
    """
    formats = parse_formats(formats)
    out_dir = Path(out_dir)
    if _exists(out_dir) and not out_dir.is_dir():
        raise UsageError(f"cannot export to {out_dir}: it is not a folder")
    out_root = out_dir.resolve()
    weights = weights or Weights()
    trials = study.get_trials(deepcopy=False)
    chosen = check_numbers(study, numbers, trials)
    by_number = {t.number: t for t in trials}
    study_attrs = dict(study.user_attrs)
    budgets = budgets if budgets is not None else study_budgets(study_attrs)
    book = _book(trials)
    ranking = book.rank(weights, budgets)
    definition = {**stored_definition(study), "budgets": study_attrs.get("budgets") or {},
                  "sampler": stored_sampler(study)}
    safe = safe_name(study.study_name)
    plan = ExportPlan(study.study_name, out_dir, formats)
    planned: list[PlannedFile] = []
    files_of: dict[int, list[str]] = {}

    for n in chosen:
        trial = by_number[n]
        why = _why_not_exported(trial)
        artifacts = trial.user_attrs.get("artifacts") or {}
        tflite_id = artifacts.get(TFLITE_ARTIFACT) if isinstance(artifacts, dict) else None
        data = None
        if why is None and trial.values is None:
            why = "complete but recorded without objective values"
        if why is None and not tflite_id:
            why = f"complete but recorded without a {TFLITE_ARTIFACT} artifact"
        if why is None:
            data = _read_artifact(artifact_store, tflite_id)
            if data is None:
                why = (f"its {TFLITE_ARTIFACT} (artifact {tflite_id}) is missing from {_store_where(artifact_store)}"
                       " (wrong --runs-dir?)")
        if why is not None or data is None:
            plan.skipped.append(Skipped(n, why or "no model"))
            continue

        record = book.get(n)
        base = f"{safe}-trial-{n}"
        trial_files: list[PlannedFile] = []
        if "tflite" in formats:
            trial_files.append(PlannedFile(f"{base}.tflite", "tflite", n, _constant(data)))
        if "c" in formats:
            source, header = _c_pair(data, study.study_name, safe, n, record, definition)
            trial_files.append(PlannedFile(f"{base}.cc", "c", n, _constant(source.encode())))
            trial_files.append(PlannedFile(f"{base}.h", "c", n, _constant(header.encode())))
        if "keras" in formats:
            # QAT models are kept as HDF5 (tfmot cannot reload its layers from the .keras zip format).
            kept = KERAS_ARTIFACT if KERAS_ARTIFACT in artifacts else KERAS_H5_ARTIFACT
            keras_id = artifacts.get(kept)
            keras = _read_artifact(artifact_store, keras_id) if keras_id else None
            if keras is not None:
                suffix = ".keras" if kept == KERAS_ARTIFACT else ".h5"
                trial_files.append(PlannedFile(f"{base}{suffix}", "keras", n, _constant(keras)))
            else:
                reason = ("no .keras kept for this trial (run the study with keep_keras = true to keep them)"
                          if not keras_id
                          else f"its {KERAS_ARTIFACT} (artifact {keras_id}) is missing from "
                               f"{_store_where(artifact_store)}")
                plan.skipped.append(Skipped(n, reason, "keras"))
        if "json" in formats:
            info = _params_json(study.study_name, trial, record, ranking, weights, definition, tflite_id, data,
                                f"{base}.tflite" if "tflite" in formats else None)
            trial_files.append(PlannedFile(f"{base}-params.json", "json", n, _constant(info.encode())))
        plan.trials.append(n)
        planned += trial_files
        files_of[n] = [f.name for f in trial_files]

    if plan.trials:
        exported = [book.get(n) for n in plan.trials]
        param_order = tuple((definition.get("space") or {}).get("params") or ())
        set_names = [name for fmt, name in (("csv", f"{safe}-trials.csv"), ("md", f"{safe}-report.md"))
                     if fmt in formats]
        if "csv" in formats:
            text = csv_text(exported, ranking, param_order)
            planned.append(PlannedFile(f"{safe}-trials.csv", "csv", None, _constant(text.encode())))
        if "md" in formats:
            context = ReportContext(
                study_name=study.study_name, storage=_storage_display(study, storage_url), definition=definition,
                weights=weights, exported=exported, complete=book.complete(), ranking=ranking,
                total_trials=len(trials), files=files_of, skipped=[str(s) for s in plan.skipped],
                set_files=set_names,
            )
            planned.append(PlannedFile(f"{safe}-report.md", "md", None,
                                       lambda context=context: markdown_report(context).encode()))

    for f in planned:
        path = _inside(out_root, out_dir, f.name)
        plan.files[f.name] = f
        if _exists(path):
            plan.conflicts.append(path)
    return plan


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _c_pair(data: bytes, study_name: str, safe: str, n: int, record: TrialRecord | None,
            definition: dict[str, Any]) -> tuple[str, str]:
    attrs = record.attrs if record else {}
    arena = attrs.get("arena_bytes")
    lines = [f"Study {study_name}, trial {n}."]
    if record and record.values:
        lines.append(f"int8 accuracy {record.accuracy:.4f}, {record.size_kb:.1f} KB, "
                     f"latency {record.latency_ms:.2f} ms (LiteRT, host CPU).")
    dataset = (definition.get("dataset") or {}).get("name")
    if dataset:
        lines.append(f"Dataset: {dataset}.")
    if attrs.get("input_dtype"):
        lines.append(f"Input {attrs.get('input_dtype')}, output {attrs.get('output_dtype', '?')}.")
    if arena is None and attrs.get("arena_error"):
        lines.append(f"TFLite Micro could not measure the arena: {str(attrs['arena_error'])[:200]}")
    symbol = c_identifier(f"g_{safe}_trial_{n}_model")
    return tflite_to_c(data, symbol, None if arena is None else int(arena), f"{safe}-trial-{n}",
                       comment="\n".join(lines))


def _params_json(study_name: str, trial: Any, record: TrialRecord | None, ranking: Ranking, weights: Weights,
                 definition: dict[str, Any], tflite_id: str, data: bytes, tflite_file: str | None) -> str:
    metrics = {k: v for k, v in trial.user_attrs.items() if k != "artifacts"}
    constraints = {k.split(":", 1)[1]: v for k, v in (trial.system_attrs or {}).items()
                   if k.startswith("constraints:")}
    n = trial.number
    info = {
        "study": study_name,
        "trial": n,
        "state": "complete",
        "params": dict(trial.params),
        "values": dict(zip(OBJECTIVES, trial.values)),
        "score": ranking.scores.get(n),
        "rank": ranking.ranks.get(n),
        "on_pareto": n in ranking.front,
        "within_budgets": n in ranking.feasible,
        "weights": weights.as_text(),
        "metrics": metrics,
        "constraints": constraints,
        "tflite": {
            "file": tflite_file,
            "artifact_id": tflite_id,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        "artifacts": dict(trial.user_attrs.get("artifacts") or {}),
        "pipeline": definition.get("pipeline") or {},
        "dataset": definition.get("dataset") or {},
        "space": definition.get("space") or {},
        "budgets": definition.get("budgets") or {},
        "sampler": definition.get("sampler"),
        "started": trial.datetime_start.isoformat() if trial.datetime_start else None,
        "completed": trial.datetime_complete.isoformat() if trial.datetime_complete else None,
        # Installed when the export ran: the trial may have been measured with other versions.
        "package_versions": package_versions(),
    }
    return json.dumps(_finite(info), indent=2, ensure_ascii=False, default=str) + "\n"


# -- writing ----------------------------------------------------------------------------------------


def write_export(plan: ExportPlan, force: bool = False) -> list[Path]:
    """Write every file of ``plan``; return their paths (``out_dir / name``), in order.

    Existence is checked again first: if any file exists and ``force`` is False, nothing is written and
    `UsageError` names the first one. Each file is written to a temporary file in the output folder and
    moved over the target with ``os.replace`` (an existing symlink is replaced, never written through).

    Raises:
        UsageError: A file exists (without ``force``); a path resolves outside the folder; the folder or a
            file cannot be written.
    """
    if not plan.files:
        return []
    out_dir = plan.out_dir
    if _exists(out_dir) and not out_dir.is_dir():
        raise UsageError(f"cannot export to {out_dir}: it is not a folder")
    out_root = out_dir.resolve()
    paths = [_inside(out_root, out_dir, name) for name in plan.files]
    existing = [p for p in paths if _exists(p)]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UsageError(f"{existing[0]} exists already{more}; use --force to overwrite")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create {out_dir}: {err.strerror or err}") from None
    written = []
    for path, planned in zip(paths, plan.files.values()):
        _write_atomic(path, planned.produce())
        written.append(path)
    return written


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # O_EXCL: never follows or reuses an existing name; 0o666 so the umask decides, as for any new file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as err:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from None
