"""Replaying samplers against a measured grid: how fast each one's front approaches the grid's.

A grid study of a fully categorical space (``--space blocks --sampler grid``) trains every distinct model
once. Its results become a table (parameters -> accuracy, size, latency, seconds). A sampler is then run
in an in-memory Optuna study whose objective looks its suggestion up in the table instead of training: the
same suggestions, the same objectives, in milliseconds. A repeated suggestion costs a trial (the product
would train it again) and brings nothing new. This is the tabular-benchmark method of NAS-Bench-101
(Ying et al., 2019); its limit is that every model is measured once, so seed noise is frozen into the table.

The samplers are the product's (`tinynas_tui.search.study.make_sampler`) plus variants worth comparing;
the hypervolume is the product's (`tinynas_tui.core.hypervolume`) with the grid study's stored reference.
"""

from __future__ import annotations

import json
import statistics
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tinynas_tui.core.hypervolume import HypervolumeHistory, Reference, normalise, of_values
from tinynas_tui.core.scoring import front_numbers
from tinynas_tui.core.space import SearchSpace, resolve_space


def params_key(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(params.items()))


@dataclass(frozen=True)
class GridTable:
    """Every distinct model of a space, measured once by a grid study."""

    space: SearchSpace
    reference: Reference
    rows: dict[tuple[tuple[str, Any], ...], dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> GridTable:
        data = json.loads(path.read_text())
        space = SearchSpace.from_dict(data["space"]) if isinstance(data["space"], dict) else resolve_space(data["space"])
        rows = {params_key(r["params"]): r for r in data["trials"]}
        return cls(space, Reference.from_dict(data["reference"]), rows, data.get("meta", {}))

    def front_hypervolume(self) -> float:
        return of_values(map(objectives, self.rows.values()), self.reference)

    def front_size(self) -> int:
        return len(self.front_rows())

    def front_rows(self) -> list[dict[str, Any]]:
        """The rows on the grid's front (of those within the reference)."""
        inside = [r for r in self.rows.values() if normalise(objectives(r), self.reference)]
        front = set(front_numbers((-r["accuracy"], r["size_kb"], r["latency_ms"], i) for i, r in enumerate(inside)))
        return [r for i, r in enumerate(inside) if i in front]


def objectives(row: dict[str, Any]) -> tuple[float, float, float]:
    return row["accuracy"], row["size_kb"], row["latency_ms"]


def sampler_factories() -> dict[str, Callable[[int], Any]]:
    """Name -> sampler for a seed: the product's samplers, then variants."""
    import optuna

    from tinynas_tui.search.study import make_sampler

    return {
        "tpe": lambda seed: make_sampler("tpe", seed),  # the product's: multivariate TPE
        "tpe-indep": lambda seed: optuna.samplers.TPESampler(seed=seed),  # Optuna's own default
        "nsga2": lambda seed: make_sampler("nsga2", seed),  # population 50, Optuna's default
        "nsga2-p10": lambda seed: optuna.samplers.NSGAIISampler(seed=seed, population_size=10),
        "random": lambda seed: make_sampler("random", seed),
        "gp": lambda seed: make_sampler("gp", seed),  # the product's: one PyTorch thread
    }


@dataclass
class Replay:
    """One sampler's run of ``trials`` trials with one seed."""

    sampler: str
    seed: int
    shares: list[float]
    """The hypervolume after each trial, as a share of the grid front's."""
    distinct: list[int]
    """Distinct models seen after each trial."""
    training_s: list[float]
    """Training seconds spent after each trial (the table's seconds of every trial run, repeats included)."""
    sampler_cpu_s: list[float]
    """The sampler's own CPU seconds (ask, suggest, tell) after each trial."""

    def first_reaching(self, share: float) -> int | None:
        return next((i + 1 for i, s in enumerate(self.shares) if s >= share - 1e-12), None)


def replay(table: GridTable, sampler: str, seed: int, trials: int, target_hv: float) -> Replay:
    """Run ``sampler`` for ``trials`` trials against the table."""
    import optuna

    from tinynas_tui.core.figures import DIRECTIONS

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=list(DIRECTIONS), sampler=sampler_factories()[sampler](seed))
    history = HypervolumeHistory(table.reference)
    seen: set[tuple[tuple[str, Any], ...]] = set()
    shares, distinct, training, cpu_after = [], [], [], []
    spent, cpu = 0.0, 0.0
    for _ in range(trials):
        started = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental-sampler and independent-sampling notices
            trial = study.ask()
            params = table.space.suggest(trial)
        cpu += time.process_time() - started
        key = params_key(params)
        row = table.rows.get(key)
        if row is None:
            raise KeyError(f"{sampler} suggested a model the grid did not measure: {params}")
        started = time.process_time()
        study.tell(trial, objectives(row))
        cpu += time.process_time() - started
        history.add(objectives(row))
        seen.add(key)
        spent += row["seconds"]
        shares.append(history.current / target_hv)
        distinct.append(len(seen))
        training.append(spent)
        cpu_after.append(cpu)
    return Replay(sampler, seed, shares, distinct, training, cpu_after)


def summary(values: list[float]) -> str:
    """``0.912 ± 0.031 (min 0.870)`` of per-seed values."""
    if not values:
        return "-"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f} (min {min(values):.3f})"


def median_or_none(values: list[int | None], cap: int) -> str:
    """The median trials to reach a share, counting a seed that never did as beyond the cap."""
    reached = [v for v in values if v is not None]
    if len(reached) * 2 <= len(values):
        return f">{cap} ({len(reached)}/{len(values)} seeds)"
    ordered = sorted(v if v is not None else cap + 1 for v in values)
    mid = statistics.median(ordered)
    return f"{mid:g} ({len(reached)}/{len(values)} seeds)"
