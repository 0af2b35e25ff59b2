"""``params.json``: one trial's parameters, figures, rank and provenance, as standard JSON."""

from __future__ import annotations

import hashlib
import json
import math
from functools import lru_cache
from typing import Any

from tinynas_tui.core import figures, stored_figures
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.boards import HOST_LATENCY
from tinynas_tui.core.figures import OBJECTIVES
from tinynas_tui.core.inert_text import inert_json
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.seed_repeats import SeedSpread, repeat_of
from tinynas_tui.core.ranking import Ranking
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.search import constraints

# Distributions whose versions params.json records (those installed when the export runs).
VERSIONED_PACKAGES = ("tinynas-tui", "tensorflow", "tf-keras", "tensorflow-model-optimization", "optuna",
                      "ai-edge-litert", "tflite-micro", "numpy")


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


def params_json(study_name: str, trial: Any, record: TrialRecord | None, ranking: Ranking, weights: Weights,
                 definition: dict[str, Any], tflite_id: str, data: bytes, tflite_file: str | None,
                 seeds: SeedSpread | None = None) -> str:
    """The file's text; ``seeds`` is the trial's accuracy over its seed repeats, when it has any."""
    attrs = stored_figures.of_trial(trial)
    metrics = {k: v for k, v in attrs.items() if k != figures.ARTIFACTS}
    stored = definition.get("budgets") or {}
    budgets = Budgets.from_dict(stored)
    n = trial.number
    repeat = None if record is None else repeat_of(record)
    if repeat is None or record is None:
        within = n in ranking.feasible
    else:  # a seed repeat is never ranked: its own figures against the budgets
        within = n not in (ranking.budgets or Budgets()).over({n: record})
    info = {
        "study": study_name,
        "trial": n,
        "state": "complete",
        "params": dict(trial.params),
        "values": dict(zip(OBJECTIVES, trial.values)),
        "score": ranking.scores.get(n),
        "rank": ranking.ranks.get(n),
        "on_pareto": n in ranking.front,
        "within_budgets": within,
        # Seed repeats (`--confirm`): the accuracy over this trial's seeds, or the trial this one repeats.
        "accuracy_over_seeds": None if seeds is None else seeds.figure(),
        "seed_repeat_of": repeat,
        "weights": weights.as_text(),
        "metrics": metrics,
        "constraints": constraints.named(trial.system_attrs, budgets),  # stored in the study's budgets' order
        "tflite": {
            "file": tflite_file,
            "artifact_id": tflite_id,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        "artifacts": dict(attrs.get(figures.ARTIFACTS) or {}),
        "pipeline": definition.get("pipeline") or {},
        "dataset": definition.get("dataset") or {},
        "space": definition.get("space") or {},
        # In force: what the rank and within_budgets used (the UI's, on an export from the UI); the
        # study's own are what its trials ran under (their constraints and pre-flight skips).
        "budgets": ranking.budgets.to_dict() if ranking.budgets is not None else stored,
        "study_budgets": stored,
        "latency": _latency(definition, attrs),
        "sampler": definition.get("sampler"),
        # The study's figure of merit over all its complete trials when exported, and what it is measured from.
        "study_hypervolume": definition.get("hypervolume"),
        "started": trial.datetime_start.isoformat() if trial.datetime_start else None,
        "completed": trial.datetime_complete.isoformat() if trial.datetime_complete else None,
        # Installed when the export ran: the trial may have been measured with other versions.
        "package_versions": package_versions(),
    }
    return inert_json(json.dumps(_finite(info), indent=2, ensure_ascii=False, default=str)) + "\n"


def _latency(definition: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any]:
    """What the latency value is: the board estimate (with its cycles and costliest operators), or the
    host CPU's measurement for a study without a board."""
    board = definition.get("latency") or {}
    if not board:
        return {"basis": "host", "measured_on": HOST_LATENCY}
    return {"basis": "estimate", "runtime": "TFLite Micro with CMSIS-NN", **board,
            "cycles": attrs.get(figures.LATENCY_CYCLES), "top_ops": attrs.get(figures.LATENCY_TOP_OPS),
            "host_latency_ms": attrs.get(figures.HOST_LATENCY_MS)}
