"""Planning an export of chosen trials: what it would write, skip and overwrite. It writes nothing.

`plan_export` reads the study and the artifact store and says what would be written (`ExportPlan.files`,
each a name inside the output folder and a producer of its bytes), which trials or files are skipped and
why (`ExportPlan.skipped`), and which files already exist (`ExportPlan.conflicts`), so a UI can ask
before overwriting anything; `tinynas_tui.export.write.write_export` then writes it.

Per trial (``{study}-trial-{n}``): ``.tflite`` (the stored bytes, unchanged), ``.cc`` + ``.h`` (format
``c``), ``.keras`` (when the trial has a ``model.keras`` artifact), ``-params.json``. For the whole set:
``{study}-trials.csv`` and ``{study}-report.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Sequence

from tinynas_tui.core import figures, stored_figures
from tinynas_tui.core.boards import HOST_LATENCY
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.export_formats import FORMATS
from tinynas_tui.core.inert_text import inert
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core import hypervolume
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.errors import UsageError
from tinynas_tui.export.c_array import c_identifier, tflite_to_c
from tinynas_tui.export.files import exists, inside, safe_name
from tinynas_tui.export.params_json import params_json
from tinynas_tui.export.planned import ExportPlan, PlannedFile, Skipped
from tinynas_tui.export.report import ReportContext, markdown_report
from tinynas_tui.export.trials_csv import csv_text
from tinynas_tui.export.select import check_numbers, study_book, study_budgets
from tinynas_tui.search.storage import mask_url
from tinynas_tui.search.study import stored_definition, stored_sampler

TFLITE_ARTIFACT = "model.tflite"
KERAS_ARTIFACT = "model.keras"
KERAS_H5_ARTIFACT = "model.h5"


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


def _why_not_exported(record: TrialRecord) -> str | None:
    """Why a chosen trial has no model to export, or None when it has one."""
    if record.state == figures.COMPLETE:
        return None
    if record.state in (figures.FAILED, figures.PRUNED):
        lines = (record.reason or "").strip().splitlines()
        return f"{record.state} ({lines[0] if lines else 'no reason recorded'})"
    if record.state == figures.RUNNING:
        return "still running (no model yet)"
    if record.state == figures.WAITING:
        return "waiting to run (no model yet)"
    return f"{record.state} (no model)"


def _read_artifact(store: Any, artifact_id: str) -> bytes | None:
    try:
        with store.open_reader(artifact_id) as fh:
            return fh.read()
    except Exception:  # ArtifactNotFound, an invalid id, an unreadable file: the trial cannot be exported
        return None


def _store_where(store: Any) -> str:
    base = getattr(store, "_base_path", None)
    return f"the artifact store at {base}" if base is not None else repr(store)


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
    asked: Collection[str] | None = None,
) -> ExportPlan:
    """What exporting trials ``numbers`` of ``study`` into ``out_dir`` would write; writes nothing.

    Args:
        study: The Optuna study.
        artifact_store: The study's artifact store (its ``open_reader`` gives a trial's stored files).
        numbers: Trial numbers to export (see `select_trials`); repeats are dropped.
        out_dir: The output folder; it may not exist yet.
        formats: Formats from `FORMATS` (a sequence, or comma-separated text); None means all.
        weights: Weights of the score and rank in the CSV, report and params.json (default `Weights()`).
        budgets: The budgets in force: they decide the rank and ``within_budgets`` (default: those stored
            with the study). The UI passes its own; when they differ from the study's, params.json and
            the report state both (``budgets`` in force, ``study_budgets`` stored).
        storage_url: The storage URL for the report (masked); by default read from the study.
        asked: The formats named by the user; None: all of ``formats``. A trial without the ``.keras``
            the study did not keep is skipped for that file only when ``keras`` was asked for by name;
            otherwise the plan notes it once (`ExportPlan.not_kept`).

    Raises:
        UsageError: Unknown trial or format; ``out_dir`` is not a folder; a path would resolve outside it.
    """
    formats = parse_formats(formats)
    out_dir = Path(out_dir)
    if exists(out_dir) and not out_dir.is_dir():
        raise UsageError(f"cannot export to {out_dir}: it is not a folder")
    trials = study.get_trials(deepcopy=False)
    chosen = check_numbers(study, numbers, trials)
    study_attrs = dict(study.user_attrs)
    book = study_book(trials)
    weights = weights or Weights()
    ctx = _Study(
        study=study, store=artifact_store, trials=trials, book=book, weights=weights,
        # The definition keeps the study's stored budgets (its trials' constraints were recorded under them).
        ranking=book.rank(weights, budgets if budgets is not None else study_budgets(study_attrs)),
        definition={**stored_definition(study), "budgets": study_attrs.get("budgets") or {},
                    "latency": study_attrs.get("latency") or {}, "sampler": stored_sampler(study),
                    "hypervolume": _hypervolume(book, study_attrs)},
        safe=safe_name(study.study_name), formats=formats,
        asked=formats if asked is None else parse_formats(asked) if asked else (),
    )
    plan = ExportPlan(study.study_name, out_dir, formats)
    planned: list[PlannedFile] = []
    files_of: dict[int, list[str]] = {}
    by_number = {t.number: t for t in trials}
    for n in chosen:
        trial = by_number[n]
        tflite_id, data, why = _stored_model(ctx, trial)
        if data is None:
            plan.skipped.append(Skipped(n, why or "no model"))
            continue
        trial_files = _trial_files(ctx, trial, tflite_id, data, plan)
        plan.trials.append(n)
        planned += trial_files
        files_of[n] = [f.name for f in trial_files]
    if plan.trials:
        planned += _set_files(ctx, plan, files_of, storage_url)
    out_root = out_dir.resolve()
    for f in planned:
        path = inside(out_root, out_dir, f.name)
        plan.files[f.name] = f
        if exists(path):
            plan.conflicts.append(path)
    return plan


def _hypervolume(book: TrialBook, study_attrs: dict[str, Any]) -> dict[str, Any]:
    """The study's hypervolume over all its complete trials, with its reference (for the report and
    params.json)."""
    reference = hypervolume.stored_or_derived(study_attrs)
    return hypervolume.figure(book.hypervolume(reference).current, reference)


@dataclass(frozen=True)
class _Study:
    """What every planned file of one export reads: the study, its records and ranking, the choices."""

    study: Any
    store: Any
    trials: Sequence[Any]
    book: TrialBook
    weights: Weights
    ranking: Ranking
    definition: dict[str, Any]
    safe: str
    formats: tuple[str, ...]
    asked: tuple[str, ...]


def _stored_model(ctx: _Study, trial: Any) -> tuple[str | None, bytes | None, str | None]:
    """(artifact id, the stored .tflite, None), or (…, None, why it cannot be exported)."""
    why = _why_not_exported(ctx.book.get(trial.number))
    artifacts = stored_figures.of_trial(trial).get(figures.ARTIFACTS) or {}
    tflite_id = artifacts.get(TFLITE_ARTIFACT) if isinstance(artifacts, dict) else None
    if why is None and trial.values is None:
        why = "complete but recorded without objective values"
    if why is None and not tflite_id:
        why = f"complete but recorded without a {TFLITE_ARTIFACT} artifact"
    if why is not None:
        return tflite_id, None, why
    data = _read_artifact(ctx.store, tflite_id)
    if data is None:
        why = f"its {TFLITE_ARTIFACT} (artifact {tflite_id}) is missing from {_store_where(ctx.store)} (wrong --runs-dir?)"
    return tflite_id, data, why


def _trial_files(ctx: _Study, trial: Any, tflite_id: str, data: bytes, plan: ExportPlan) -> list[PlannedFile]:
    """One exported trial's files, in the chosen formats; a format it cannot give is added to the plan's
    ``skipped`` (or, not kept and not asked for by name, to its ``not_kept``)."""
    n, formats = trial.number, ctx.formats
    record = ctx.book.get(n)
    base = f"{ctx.safe}-trial-{n}"
    files: list[PlannedFile] = []
    artifacts = stored_figures.of_trial(trial).get(figures.ARTIFACTS) or {}
    vela_id = artifacts.get(figures.VELA_ARTIFACT) if isinstance(artifacts, dict) else None
    # An Ethos-U board's compiled model, read only for the formats that carry it.
    vela = _read_artifact(ctx.store, vela_id) if vela_id and {"tflite", "c"} & set(formats) else None
    if "tflite" in formats:
        files.append(PlannedFile(f"{base}.tflite", "tflite", n, _constant(data)))
        if vela is not None:
            files.append(PlannedFile(f"{base}-vela.tflite", "tflite", n, _constant(vela)))
    if "c" in formats:
        # On an Ethos-U board the firmware runs Vela's model (its NPU operator), so the array holds that one.
        source, header = _c_pair(vela if vela is not None else data, ctx.study.study_name, ctx.safe, n, record,
                                 ctx.definition, vela=vela is not None)
        files.append(PlannedFile(f"{base}.cc", "c", n, _constant(source.encode())))
        files.append(PlannedFile(f"{base}.h", "c", n, _constant(header.encode())))
    if "keras" in formats:
        # QAT models are kept as HDF5 (tfmot cannot reload its layers from the .keras zip format).
        kept = KERAS_ARTIFACT if KERAS_ARTIFACT in artifacts else KERAS_H5_ARTIFACT
        keras_id = artifacts.get(kept)
        keras = _read_artifact(ctx.store, keras_id) if keras_id else None
        if keras is not None:
            suffix = ".keras" if kept == KERAS_ARTIFACT else ".h5"
            files.append(PlannedFile(f"{base}{suffix}", "keras", n, _constant(keras)))
        elif not keras_id and "keras" not in ctx.asked:
            plan.not_kept.setdefault("keras", []).append(n)
        else:
            reason = ("no .keras kept for this trial (run the study with keep_keras = true to keep them)"
                      if not keras_id
                      else f"its {KERAS_ARTIFACT} (artifact {keras_id}) is missing from {_store_where(ctx.store)}")
            plan.skipped.append(Skipped(n, reason, "keras"))
    if "json" in formats:
        info = params_json(ctx.study.study_name, trial, record, ctx.ranking, ctx.weights, ctx.definition, tflite_id,
                           data, f"{base}.tflite" if "tflite" in formats else None, ctx.book.seed_spread(n))
        files.append(PlannedFile(f"{base}-params.json", "json", n, _constant(info.encode())))
    return files


def _set_files(ctx: _Study, plan: ExportPlan, files_of: dict[int, list[str]],
               storage_url: str | None) -> list[PlannedFile]:
    """The CSV and the report of the exported trials, in the chosen formats."""
    exported = [ctx.book.get(n) for n in plan.trials]
    csv_name, report_name = f"{ctx.safe}-trials.csv", f"{ctx.safe}-report.md"
    files: list[PlannedFile] = []
    if "csv" in ctx.formats:
        param_order = tuple((ctx.definition.get("space") or {}).get("params") or ())
        spreads = {n: found for n in plan.trials if (found := ctx.book.seed_spread(n)) is not None}
        text = csv_text(exported, ctx.ranking, param_order, spreads)
        files.append(PlannedFile(csv_name, "csv", None, _constant(text.encode())))
    if "md" in ctx.formats:
        context = ReportContext(
            study_name=ctx.study.study_name, storage=_storage_display(ctx.study, storage_url),
            definition=ctx.definition, weights=ctx.weights, exported=exported, complete=ctx.book.complete(),
            ranking=ctx.ranking, total_trials=len(ctx.trials), files=files_of,
            skipped=[str(s) for s in plan.skipped],
            seeds={n: line for n in plan.trials if (line := ctx.book.seed_line(n)) is not None},
            set_files=[name for fmt, name in (("csv", csv_name), ("md", report_name)) if fmt in ctx.formats],
        )
        files.append(PlannedFile(report_name, "md", None, lambda: markdown_report(context).encode()))
    return files


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _c_pair(data: bytes, study_name: str, safe: str, n: int, record: TrialRecord | None,
            definition: dict[str, Any], vela: bool = False) -> tuple[str, str]:
    attrs = record.attrs if record else {}
    arena = attrs.get(figures.ARENA_BYTES)
    # Stored text, one line each (a newline in a name must not start a line of its own).
    lines = [f"Study {inert(study_name)}, trial {n}."]
    board = attrs.get(figures.LATENCY_BOARD)
    if record and record.values:
        where = f"estimated for {inert(board)}" if board else HOST_LATENCY
        lines.append(f"int8 accuracy {record.accuracy:.4f}, {record.size_kb:.1f} KB, "
                     f"latency {record.latency_ms:.2f} ms ({where}).")
    if vela:
        lines.append("This array is Vela's compiled model for the Ethos-U NPU (its ethos-u operator runs on the "
                     "NPU driver); the plain int8 model is the .tflite beside it.")
    dataset = (definition.get("dataset") or {}).get("name")
    if dataset:
        lines.append(f"Dataset: {inert(dataset)}.")
    if attrs.get(figures.INPUT_DTYPE):
        lines.append(f"Input {inert(attrs.get(figures.INPUT_DTYPE))}, output {inert(attrs.get(figures.OUTPUT_DTYPE, '?'))}.")
    if arena is None and attrs.get(figures.ARENA_ERROR):
        lines.append(f"TFLite Micro could not measure the arena: {inert(attrs[figures.ARENA_ERROR])[:200]}")
    symbol = c_identifier(f"g_{safe}_trial_{n}_model")
    latency_us = round(record.latency_ms * 1000) if board and record and record.values else None
    return tflite_to_c(data, symbol, None if arena is None else int(arena), f"{safe}-trial-{n}",
                       comment="\n".join(lines), latency_us=latency_us, latency_board=board or "")
