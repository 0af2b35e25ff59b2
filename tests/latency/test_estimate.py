"""The latency model on the rebuilt reference models: deterministic, linear in the clock, cores in
order, slow paths said, an operator it has no cost for named and never counted as free."""

from __future__ import annotations

import pytest

from tinynas_tui.core.boards import CORES, TARGETS
from tinynas_tui.latency.cost import default_coefficients
from tinynas_tui.latency.estimate import estimate_ops
from tinynas_tui.latency.fit import load_reference_models
from tinynas_tui.latency.ops import Op

MODELS = load_reference_models()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_estimate_is_deterministic_and_halves_when_the_clock_doubles(name):
    ops = MODELS[name]
    first, again = estimate_ops(ops, "cortex-m4", 64).to_dict(), estimate_ops(ops, "cortex-m4", 64).to_dict()
    assert first == again
    fast = estimate_ops(ops, "cortex-m4", 128)
    assert fast.cycles == pytest.approx(first["cycles"], abs=1)
    assert fast.latency_ms == pytest.approx(first["latency_ms"] / 2)
    assert first["latency_ms"] > 0 and first["macs"] == sum(op.macs for op in ops)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_at_one_clock_the_cortex_m0plus_is_slowest_and_the_cortex_m7_fastest(name):
    ms = {core: estimate_ops(MODELS[name], core, 100).latency_ms
          for core in ("cortex-m0plus", "cortex-m4", "cortex-m33", "cortex-m7")}
    assert max(ms, key=ms.get) == "cortex-m0plus"
    assert min(ms, key=ms.get) == "cortex-m7"
    assert ms["cortex-m0plus"] > ms["cortex-m4"] > ms["cortex-m7"]


def test_every_operator_adds_and_the_shares_sum_to_one():
    estimate = estimate_ops(MODELS["mlperf-vww"], "cortex-m33", 200)
    costs = [c.cycles for c in estimate.costs]
    assert all(c > 0 for c in costs) and sum(costs) == pytest.approx(estimate.cycles)
    shares = [op["share"] for op in estimate.to_dict()["ops"]]
    assert sum(shares) == pytest.approx(1.0)
    top = estimate.top(5)
    assert [c.cycles for c, _ in top] == sorted((c.cycles for c, _ in top), reverse=True)
    assert top[0][0].cycles == max(costs)


def test_an_operator_without_a_model_is_named_and_not_counted_as_free():
    ops = [Op("CONV_2D", (1, 8, 8, 4), (1, 8, 8, 8), (3, 3)), Op("CUSTOM:ethos-u", (1, 8, 8, 8), (1, 8), index=1),
           Op("GATHER", (1, 8), (1, 8), index=2)]
    estimate = estimate_ops(ops, "cortex-m4", 64)
    assert estimate.unmodelled == ("CUSTOM:ethos-u", "GATHER")
    assert [c.cycles is None for c in estimate.costs] == [False, True, True]
    assert estimate.to_dict()["unmodelled_ops"] == ["CUSTOM:ethos-u", "GATHER"]
    assert "no latency model" in estimate.costs[1].notes[0]


def test_slow_cmsis_nn_paths_are_said_and_cost_more():
    narrow = Op("CONV_2D", (1, 32, 32, 3), (1, 32, 32, 16), (3, 3))
    aligned = Op("CONV_2D", (1, 32, 32, 4), (1, 32, 32, 16), (3, 3))
    e = estimate_ops([narrow, aligned], "cortex-m4", 64)
    assert "not a multiple of 4" in e.costs[0].notes[0] and not e.costs[1].notes
    per_mac = [c.cycles / c.op.macs for c in e.costs]
    assert per_mac[0] > per_mac[1]  # three channels cost more per MAC than four
    generic = Op("DEPTHWISE_CONV_2D", (1, 16, 16, 8), (1, 16, 16, 16), (3, 3), depth_multiplier=2)
    simd = Op("DEPTHWISE_CONV_2D", (1, 16, 16, 16), (1, 16, 16, 16), (3, 3))
    e = estimate_ops([generic, simd], "cortex-m33", 100)
    assert "generic" in e.costs[0].notes[0]
    assert e.costs[0].cycles > 2 * e.costs[1].cycles  # same MACs, the plain C path
    fc = estimate_ops([Op("FULLY_CONNECTED", (1, 256), (1, 64))], "cortex-m4", 64)
    assert "memory-bound" in fc.costs[0].notes[0]


def test_every_board_and_core_has_costs_and_says_where_they_come_from():
    coefficients = default_coefficients()
    assert set(CORES) <= set(coefficients.cores)
    assert {t.core for t in TARGETS.values()} <= set(CORES)
    for core in CORES:
        entry = coefficients.cores[core]
        assert entry["compute"] > 0 and entry["memory"] > 0 and entry["basis"]
    assert "no published" in coefficients.cores["cortex-m55"]["basis"]
    assert "no published" in coefficients.cores["cortex-m0plus"]["basis"]
