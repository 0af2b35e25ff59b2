"""The hypervolume reference is stored when a study is created, or once for an older study, and never changes."""

from __future__ import annotations

import optuna

from tinynas_tui.core.hypervolume import ATTR, STATED_LATENCY_MS, Reference
from tinynas_tui.core.space import resolve_space
from tinynas_tui.search import study as studies


def _definition(budgets):
    return studies.StudyDefinition(resolve_space("single-conv"), {}, {}, budgets, {"board": "m4-1m",
                                   "core": "cortex-m4", "clock_mhz": 64})


def test_a_new_study_stores_its_reference_from_the_budgets_and_board():
    storage = optuna.storages.InMemoryStorage()
    study = studies.create(storage, "s", _definition({"max_flash_kb": 300}))
    assert Reference.from_dict(study.user_attrs[ATTR]) == Reference(300, STATED_LATENCY_MS, "budgets", "stated")
    assert studies.hv_reference(study) == Reference(300, STATED_LATENCY_MS, "budgets", "stated")


def test_an_older_study_gets_one_from_its_definition_once_and_keeps_it():
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage, study_name="old", directions=["maximize", "minimize", "minimize"])
    for key, value in _definition({}).as_attrs().items():
        study.set_user_attr(key, value)
    assert ATTR not in study.user_attrs
    first = studies.hv_reference(study)
    assert (first.size_kb, first.size_from, first.board) == (1024, "board", "m4-1m")
    assert optuna.load_study(study_name="old", storage=storage).user_attrs[ATTR] == first.to_dict()
    study.set_user_attr("budgets", {"max_flash_kb": 64, "max_latency_ms": 5})  # applied later, e.g. from the UI
    assert studies.hv_reference(optuna.load_study(study_name="old", storage=storage)) == first
