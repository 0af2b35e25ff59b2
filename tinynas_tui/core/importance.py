"""Parameter importance as the UI shows it: plain data, computed by `search.importance` (Optuna).

One `ObjectiveImportance` per question ("what decides a high accuracy?", "a small size?", ...), each
saying how many complete trials it rests on, or why it has no answer.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_TRIALS = 10
"""Complete trials below which no importance is computed: PED-ANOVA compares the best 10 % of the
trials with all of them, and with fewer than 10 trials the best 10 % is not even one trial."""

STABLE_TRIALS = 50
"""From this many complete trials the best 10 % holds the 5 trials Optuna's documentation asks for."""

OBJECTIVE_LABELS: dict[str, str] = {
    "accuracy": "int8 accuracy — what makes it high",
    "size_kb": "TFLite size — what makes it small",
    "latency_ms": "latency — what makes it low",
    "score": "score under the current weights — what makes it high",
}
"""What each importance answers, in the order shown."""


@dataclass(frozen=True)
class ObjectiveImportance:
    """The parameters that decide one objective, most important first.

    Attributes:
        objective: A key of `OBJECTIVE_LABELS`.
        trials: The complete trials with a finite value of the objective that it rests on.
        ranked: (parameter, importance) pairs, importances summing to 1, most important first.
        note: Why ``ranked`` is empty (too few trials, the evaluator failed), or None.
    """

    objective: str
    trials: int
    ranked: tuple[tuple[str, float], ...] = ()
    note: str | None = None

    @property
    def label(self) -> str:
        return OBJECTIVE_LABELS.get(self.objective, self.objective)


@dataclass(frozen=True)
class ImportanceReport:
    """Parameter importance of a study's complete trials, per objective.

    Attributes:
        evaluator: Which evaluator computed it, in words.
        trials: The study's complete trials.
        objectives: One entry per objective (and the score), in `OBJECTIVE_LABELS` order.
        constant: Parameters that took one value in every complete trial (nothing to rank).
        note: Why there are no importances at all (e.g. too few trials), or None.
    """

    evaluator: str
    trials: int
    objectives: tuple[ObjectiveImportance, ...] = ()
    constant: tuple[str, ...] = ()
    note: str | None = None


def too_few_note(trials: int, needed: int = MIN_TRIALS) -> str:
    """Why there is no importance yet: ``needs at least 10 complete trials (has 4)``."""
    return f"needs at least {needed} complete trials (has {trials})"
