"""The coefficients the package ships are the fit of its published points, and the points say where
each number comes from."""

from __future__ import annotations

import math

import pytest

from tinynas_tui.core.boards import CORES
from tinynas_tui.latency import fit
from tinynas_tui.latency.cost import default_coefficients


@pytest.fixture(scope="module")
def result():
    return fit.fit()


def test_the_shipped_coefficients_are_what_the_fit_gives(result):
    shipped = default_coefficients()
    for name, value in result.coefficients.features.items():
        assert shipped.features[name] == pytest.approx(value, rel=1e-4), name
    for core, entry in result.coefficients.cores.items():
        assert shipped.cores[core]["compute"] == pytest.approx(entry["compute"], rel=1e-4), core
        assert shipped.cores[core]["memory"] == pytest.approx(entry["memory"], rel=1e-4), core
        assert shipped.cores[core]["basis"] == entry["basis"]
    assert shipped.fit["loo_median_abs_error"] == pytest.approx(result.coefficients.fit["loo_median_abs_error"],
                                                                rel=1e-4)
    assert shipped.fit["loo_worst_ratio"] == pytest.approx(result.coefficients.fit["loo_worst_ratio"], rel=1e-4)


def test_leaving_a_point_out_predicts_it_worse_or_as_well(result):
    calibration = fit.load_calibration()
    for p in calibration.fit_points:
        with_it = abs(math.log(result.predicted_ms[p.id] / p.latency_ms))
        without = abs(math.log(result.loo_ms[p.id] / p.latency_ms))
        assert without >= with_it - 0.05, p.id


def test_the_points_are_published_measurements_on_at_least_three_cores():
    calibration = fit.load_calibration()
    points = calibration.fit_points
    assert len(points) >= 10 and len({p.core for p in points}) >= 3
    for p in points:
        assert p.core in CORES and p.clock_mhz > 0 and p.latency_ms > 0
        assert p.board and p.runtime and p.kernels and p.source
    for o in calibration.op_points:
        assert len(o.cycles) == len(o.ops) and o.source
    models = fit.load_reference_models()
    assert {p.model for p in points} | {o.model for o in calibration.op_points} <= set(models)


def test_the_transfer_ratios_come_from_one_runtime_on_five_cores():
    ratios = fit.transfer_ratios(fit.load_calibration())
    assert set(ratios) == {"cortex-m0plus", "cortex-m4", "cortex-m7"}
    compute = {core: c for core, (c, _) in ratios.items()}
    assert compute["cortex-m0plus"] > compute["cortex-m4"] > 1.0 > compute["cortex-m7"]
