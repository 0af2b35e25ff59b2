"""A trial's budgets as Optuna constraints, stored where both Optuna and optuna-dashboard read them.

Optuna reads a trial's constraints from two forms of system attribute: the list under ``constraints``
(what its samplers' ``constraints_func`` writes) and one ``constraints:NAME`` per value (what
``Trial.set_constraint`` writes). optuna-dashboard (0.21) reads only the list: with named values alone its
plots drew infeasible trials as feasible. So the values are recorded once, as the list, in the order of
`Budgets.constraint_names` (the budgets are the study's, so the order is the same for every trial).
Both forms holding the same values would count each violation twice in Optuna's sums (TPE's and
NSGA-II's infeasibility penalties). Trials of studies made before this keep their named values; Optuna
reads both forms, and `named` gives either one by name.
"""

from __future__ import annotations

from typing import Any, Mapping

from tinynas_tui.core.budgets import Budgets

KEY = "constraints"
"""Optuna's ``optuna.study._constrained_optimization._CONSTRAINTS_KEY``; optuna-dashboard's ``CONSTRAINTS_KEY``."""


def record(trial: Any, values: Mapping[str, float]) -> None:
    """Store a running trial's constraint values (as `Budgets.constraints` gives them) as the list.

    Feasible when every value is 0 or less, as for ``Trial.set_constraint``; nothing is stored for no
    values (a study without budgets stays unconstrained).
    """
    if not values:
        return
    listed = [float(v) for v in values.values()]
    trial.storage.set_trial_system_attr(trial._trial_id, KEY, listed)
    trial._cached_frozen_trial.system_attrs[KEY] = listed  # as Trial.set_constraint keeps it


def named(system_attrs: Mapping[str, Any] | None, budgets: Budgets) -> dict[str, float]:
    """A stored trial's constraint values by name: the list read with ``budgets``' names, or the named
    values of a trial recorded before the list (a list that does not match the names keeps positions)."""
    attrs = system_attrs or {}
    out = {k.split(":", 1)[1]: v for k, v in attrs.items() if k.startswith(KEY + ":")}
    listed = attrs.get(KEY)
    if isinstance(listed, list):
        names = budgets.constraint_names()
        if len(names) != len(listed):
            names = tuple(str(i) for i in range(len(listed)))
        out.update(zip(names, listed))
    return out
