"""Budgets: board targets, Optuna constraint values, and the pre-flight verdict."""

from __future__ import annotations

import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.core.boards import TARGETS
from tinynas_tui.core.budgets import UNKNOWN_VIOLATION, Budgets


def test_target_gives_flash_and_ram_and_explicit_limits_win():
    board = TARGETS["m4-256k"]
    assert Budgets.build("m4-256k") == Budgets(board.flash_kb, board.ram_kb, None)
    assert Budgets.build("m4-256k", max_ram_kb=32, max_latency_ms=5) == Budgets(board.flash_kb, 32, 5)
    assert {(t.flash_kb, t.ram_kb) for t in TARGETS.values()} >= {(256, 64), (1024, 320)}


@pytest.mark.parametrize("kwargs, words", [
    ({"target": "pdp11"}, "unknown target 'pdp11'"),
    ({"max_flash_kb": 0}, "--max-flash-kb must be a positive number"),
    ({"max_ram_kb": -3}, "--max-ram-kb must be a positive number"),
])
def test_bad_budgets_are_refused(kwargs, words):
    with pytest.raises(UsageError, match=words):
        Budgets.build(**kwargs)


def test_constraints_are_value_minus_limit_for_set_budgets_only():
    b = Budgets(max_flash_kb=100, max_ram_kb=20)
    assert b.constraints(size_kb=80, arena_kb=25, latency_ms=3) == {"flash_kb": -20, "ram_kb": 5}
    assert b.constraints(size_kb=80, arena_kb=None, latency_ms=3)["ram_kb"] == UNKNOWN_VIOLATION
    assert Budgets().constraints(1, 1, 1) == {}


def test_preflight_names_what_cannot_fit():
    b = Budgets(max_flash_kb=64, max_ram_kb=16)
    assert b.preflight(weight_bytes=60 * 1024, activation_bytes=10 * 1024) is None
    assert "flash" in b.preflight(weight_bytes=70 * 1024, activation_bytes=1024)
    assert "RAM" in b.preflight(weight_bytes=1024, activation_bytes=17 * 1024)
    assert Budgets().preflight(10**9, 10**9) is None
