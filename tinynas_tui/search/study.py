"""Creating and resuming studies: objectives, metric names and the definition stored with the study.

An Optuna study needs a fixed space, so the space, pipeline config and dataset it was created with are
stored as study attributes; a resumed study uses them, and a conflicting request is refused. The sampler's
name is stored too (user attr ``sampler``), so a resumed study keeps sampling the way it started.

Samplers: ``tpe`` (multivariate TPE, the default), ``nsga2``, ``random``, ``gp`` (needs PyTorch) and ``grid``.
``bench/search_quality.py`` compares them (README, "Which sampler"). A grid study has
every distinct model of its space enqueued at creation (`tinynas_tui.core.grid.distinct_grid`); its
sampler is a random sampler that only matters once the grid is used up (see `grid_remaining`).
Constraints a trial reports with ``trial.set_constraint`` are honoured by TPE, NSGA-II and
``study.best_trials`` without any ``constraints_func``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tinynas_tui.core.figures import DIRECTIONS, OBJECTIVES, REPEAT_OF
from tinynas_tui.errors import UsageError
from tinynas_tui.core.grid import distinct_grid
from tinynas_tui.core import hypervolume
from tinynas_tui.core.seed_repeats import as_repeat_of
from tinynas_tui.core.space import SearchSpace
from tinynas_tui.core.study_names import MAX_NAME

DEFINITION_KEYS = ("space", "pipeline", "dataset")
SAMPLERS = ("tpe", "nsga2", "random", "gp", "grid")
DEFAULT_SAMPLER = "tpe"
SAMPLER_LABELS = {"tpe": "TPE", "nsga2": "NSGA-II", "random": "random", "gp": "GP", "grid": "grid"}
SAMPLER_ATTR = "sampler"
# Optuna's schema keeps study and parameter names in VARCHAR(512) columns (`MAX_INDEXED_STRING_LENGTH` in
# optuna/storages/_rdb/models.py; a test holds the two equal). PostgreSQL refuses a longer name in the
# middle of a run, SQLite keeps it: one rule on every backend, so that a study can move between them.
MAX_NAME_LENGTH = MAX_NAME


@dataclass(frozen=True)
class StudyDefinition:
    """What fixes a study: the search space, the pipeline config, the dataset spec, the budgets and the
    board its latency is estimated for.

    Budgets are Optuna constraints, which a sampler reads from every trial, so they belong to the study
    too; a study made before budgets existed simply has none. So does the latency board: every trial's
    latency objective is estimated for it. A study made before board latency has none (``{}``): its
    latency objective is the host CPU's measurement, and it keeps that when resumed.
    """

    space: SearchSpace
    pipeline: dict[str, Any]
    dataset: dict[str, Any]
    budgets: dict[str, Any] = field(default_factory=dict)
    latency: dict[str, Any] = field(default_factory=dict)

    def as_attrs(self) -> dict[str, Any]:
        return {"space": self.space.to_dict(), "pipeline": self.pipeline, "dataset": self.dataset,
                "budgets": self.budgets, "latency": self.latency}


def default_study_name(dataset_label: str, space_name: str, pipeline_name: str) -> str:
    """e.g. ``mnist-5k-single-conv-quick``."""
    raw = f"{dataset_label}-{space_name}-{pipeline_name}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)


def check_name_lengths(study_name: str, space: SearchSpace) -> None:
    """Refuse, before anything is written, a study or parameter name longer than Optuna's storage holds."""
    if len(study_name) > MAX_NAME_LENGTH:
        raise UsageError(f"the study name is {len(study_name)} characters long; Optuna's storage holds at most "
                         f"{MAX_NAME_LENGTH} (choose a shorter --study NAME)")
    for name in space.names:
        if len(name) > MAX_NAME_LENGTH:
            raise UsageError(f"space {space.name[:40]!r}: parameter {name[:40]!r}... is {len(name)} characters "
                             f"long; Optuna's storage holds parameter names of at most {MAX_NAME_LENGTH}")


def load_existing(storage: Any, name: str, seed: int | None = None) -> Any | None:
    """The study called ``name`` in ``storage`` with the sampler it was created with, or None.

    A study without a stored sampler name (made before samplers were selectable) gets TPE.
    """
    import optuna

    # Not get_all_study_summaries: it reads every trial of every study (88 s for 50,000 trials).
    backend = optuna.storages.get_storage(storage)
    try:
        study_id = backend.get_study_id_from_name(name)
    except KeyError:
        return None
    sampler_name = backend.get_study_user_attrs(study_id).get(SAMPLER_ATTR) or DEFAULT_SAMPLER
    return optuna.load_study(study_name=name, storage=storage, sampler=make_sampler(sampler_name, seed))


def stored_sampler(study: Any) -> str:
    """The sampler name a study was created with (``tpe`` when it has none stored)."""
    return study.user_attrs.get(SAMPLER_ATTR) or DEFAULT_SAMPLER


def stored_definition(study: Any) -> dict[str, Any]:
    """The definition attributes a study was created with (empty dicts if it was not ours)."""
    attrs = study.user_attrs
    return {key: attrs.get(key) or {} for key in DEFINITION_KEYS}


def check_same(study_name: str, key: str, stored: dict[str, Any], wanted: dict[str, Any]) -> None:
    """Refuse to resume ``study_name`` with a different ``key`` than it was created with."""
    if _normal(stored) != _normal(wanted):
        diff = [k for k in sorted(set(stored) | set(wanted)) if _normal(stored.get(k)) != _normal(wanted.get(k))]
        raise UsageError(
            f"study {study_name!r} has a different {key} ({', '.join(diff)} differ{_since_created(key)}); "
            f"leave the option out to resume it with its own, or pass --study NEW_NAME"
        )


def _since_created(key: str) -> str:
    # A study's budgets can be applied again from the UI; the rest of its definition is fixed at creation.
    return "; the UI may have applied new ones" if key == "budgets" else ""


def _normal(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def check_sampler(name: str) -> str:
    """``name`` if it is a known sampler; otherwise a one-line `UsageError`."""
    if name not in SAMPLERS:
        raise UsageError(f"unknown sampler {name!r}: expected one of {', '.join(SAMPLERS)}")
    if name == "gp" and not _has_torch():
        raise UsageError("the gp sampler (Optuna's GPSampler) needs PyTorch, which is not installed: "
                         "pip install torch, or choose another --sampler")
    return name


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def make_sampler(name: str | int | None = DEFAULT_SAMPLER, seed: int | None = None) -> Any:
    """The Optuna sampler called ``name`` (one of `SAMPLERS`), seeded with ``seed``.

    For backwards compatibility ``make_sampler(None)`` and ``make_sampler(seed)`` give TPE.

    * ``tpe``: ``TPESampler(multivariate=True)``, which models the parameters jointly (Optuna's
      multi-objective default is independent per-parameter TPE). A conditional parameter drops out of
      the joint model once a trial lacks it and is then sampled on its own, so conditional spaces work
      without the experimental ``group`` option.
    * ``nsga2``: ``NSGAIISampler``; ``random``: ``RandomSampler``.
    * ``gp``: ``GPSampler`` (Gaussian process, log expected hypervolume improvement for several
      objectives). PyTorch is kept to one thread: it runs in the study process, beside the trial workers.
    * ``grid``: ``RandomSampler``; the grid itself is the trials `create` enqueues, and the random
      sampler only picks values the enqueued trials do not fix (none, for a grid of the same space).
    """
    import optuna

    if name is None:
        name = DEFAULT_SAMPLER
    elif isinstance(name, int) and not isinstance(name, bool):
        name, seed = DEFAULT_SAMPLER, name
    check_sampler(name)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if name == "gp":
        import torch

        torch.set_num_threads(1)
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    return optuna.samplers.RandomSampler(seed=seed)


def create(
    storage: Any,
    name: str,
    definition: StudyDefinition,
    seed: int | None = None,
    sampler: str = DEFAULT_SAMPLER,
) -> Any:
    """A new study with our objectives, the definition and the sampler name stored on it.

    For the ``grid`` sampler every distinct model of the space is enqueued as a waiting trial.

    Raises:
        UsageError: Unknown sampler, a grid of a space that has none (float ranges, too many models), or
            a name too long for the storage; checked before anything is written to the storage.
    """
    import optuna

    check_name_lengths(name, definition.space)
    optuna_sampler = make_sampler(check_sampler(sampler), seed)
    grid = distinct_grid(definition.space) if sampler == "grid" else []
    study = optuna.create_study(
        storage=storage, study_name=name, directions=list(DIRECTIONS), sampler=optuna_sampler
    )
    study.set_metric_names(list(OBJECTIVES))
    for key, value in definition.as_attrs().items():
        study.set_user_attr(key, value)
    study.set_user_attr(SAMPLER_ATTR, sampler)
    study.set_user_attr(hypervolume.ATTR, hypervolume.reference_for(definition.budgets, definition.latency).to_dict())
    # No skip_if_exists: the study is new and the grid already deduplicated, and Optuna's check rescans
    # every trial per enqueue (O(n^2): 162 grid points took 5 s instead of 1 s on SQLite).
    for params in grid:
        study.enqueue_trial(params)
    return study


def hv_reference(study: Any) -> hypervolume.Reference:
    """The study's hypervolume reference: the stored one, else computed from its stored budgets and board
    and stored now (a study made before the figure), so it never changes afterwards, whatever budgets a
    resumed run or the UI apply later."""
    attrs = study.user_attrs
    stored = hypervolume.Reference.from_dict(attrs.get(hypervolume.ATTR))
    if stored is not None:
        return stored
    ref = hypervolume.reference_for(attrs.get("budgets") or {}, attrs.get("latency") or {})
    study.set_user_attr(hypervolume.ATTR, ref.to_dict())
    return ref


def grid_remaining(study: Any) -> int:
    """How many enqueued trials other than seed repeats are still waiting to run: in a grid study, its
    models not yet run (0 once the grid is used up)."""
    return sum(1 for t in _queued(study) if as_repeat_of(t.user_attrs.get(REPEAT_OF)) is None)


def queued_count(study: Any) -> int:
    """How many enqueued trials are waiting to run: the grid's models and seed repeats. A grid run goes on
    while any waits (the queue runs them in order), so repeats queued after a used-up grid still run."""
    return len(_queued(study))


def queued_repeats(study: Any) -> int:
    """How many seed repeats are waiting to run."""
    return sum(1 for t in _queued(study) if as_repeat_of(t.user_attrs.get(REPEAT_OF)) is not None)


def _queued(study: Any) -> list[Any]:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.WAITING,))


def complete_count(study: Any) -> int:
    """How many trials of the study are complete."""
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def pick_study_name(storage: Any, requested: str | None, where: str, when_empty: str) -> str:
    """The study to open in ``storage``: the one asked for, or the only one there.

    Args:
        storage: An open Optuna storage.
        requested: ``--study NAME``, or None.
        where: The storage as shown to the user (password masked).
        when_empty: What to say when the storage holds no study.

    Raises:
        UsageError: The named study is missing, or none was named and there is not exactly one.
    """
    import optuna

    names = sorted(optuna.get_all_study_names(storage))
    if requested is None:
        if len(names) == 1:
            return names[0]
        if not names:
            raise UsageError(when_empty)
        raise UsageError(f"storage {where} holds {len(names)} studies ({', '.join(names)}): choose one with "
                         "--study NAME")
    if requested not in names:
        raise UsageError(f"no study {requested!r} in {where}: it holds {', '.join(names) or 'no study'}")
    return requested

