"""The complete trials ranked under one set of weights and budgets: scores, ranks, the front, feasibility.

`rank_complete` is a plain function of a snapshot of the trials, so the UI can rank 50,000 trials in a
thread while its event loop goes on; `TrialBook.rank` calls it on the book's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.scoring import Weights
from tinynas_tui.core.trial_record import TrialRecord


@dataclass(frozen=True)
class Ranking:
    """Scores, ranks and the Pareto front of the complete trials under one set of weights and budgets.

    ``order`` lists the ranked trial numbers best first; ``weights`` and ``budgets`` are what the
    ranking was made with (None when built by hand).
    """

    scores: dict[int, float]
    ranks: dict[int, int]
    front: frozenset[int]
    feasible: frozenset[int]
    order: tuple[int, ...] = ()
    weights: Weights | None = None
    budgets: Budgets | None = None

    @property
    def best(self) -> int | None:
        if self.order:
            return self.order[0]
        return min(self.ranks, key=self.ranks.__getitem__) if self.ranks else None

    def same_basis(self, other: Ranking) -> bool:
        """True if both were made with the same weights and budgets (so scores agree)."""
        return self.weights is not None and self.weights == other.weights and self.budgets == other.budgets


def rank_complete(complete: Mapping[int, TrialRecord], front: frozenset[int], weights: Weights,
                  budgets: Budgets | None = None) -> Ranking:
    """Rank complete trials: feasible ones first, then by score (ties: lower trial number first).

    Args:
        complete: The complete trials by number, in trial-number order (ties keep that order).
        front: Numbers of the trials on the Pareto front.
        weights: Score weights.
        budgets: Hardware budgets; trials over one rank after all that fit.

    A plain function of its inputs, so it can run on a snapshot of the book in another thread. One
    pass for scores, one per budget, then one C-level sort: ~30-40 ms for 50,000 trials.
    """
    budgets = budgets or Budgets()
    score = weights.score
    scores = {n: score(*r.values) for n, r in complete.items()}  # type: ignore[misc]
    over = budgets.over(complete)
    if over:
        fits = sorted((n for n in scores if n not in over), key=scores.__getitem__, reverse=True)
        order = tuple(fits) + tuple(sorted(over, key=lambda n: (-scores[n], n)))
    else:
        # reverse=True keeps equal scores in their input (trial-number) order.
        order = tuple(sorted(scores, key=scores.__getitem__, reverse=True))
    ranks = dict(zip(order, range(1, len(order) + 1)))
    feasible = frozenset(scores) - over if over else frozenset(scores)
    return Ranking(scores, ranks, frozenset(front), feasible, order, weights, budgets)
