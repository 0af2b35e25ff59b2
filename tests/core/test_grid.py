"""Exhaustive grids: the notebook's 216 loop combinations are 162 distinct models."""

from __future__ import annotations

import itertools

import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.core.grid import distinct_count, distinct_grid, grid_size_note, raw_count
from tinynas_tui.core.space import BLOCKS, SINGLE_CONV, Categorical, FloatRange, IntRange, SearchSpace


def key(params):
    return tuple(sorted(params.items()))


def test_blocks_grid_has_162_distinct_models():
    grid = distinct_grid(BLOCKS)
    assert len(grid) == 162
    assert len({key(p) for p in grid}) == 162
    for params in grid:
        assert list(params) == [n for n in BLOCKS.names if n in params]  # space order
        if params["n_dense"] == 0:
            assert "dense_units" not in params
        else:
            assert params["dense_units"] in (64, 128, 256, 512)
        assert params["separable"] is False and params["batch_norm"] is False
    convs = {(p["n_blocks"], p["layers_per_block"], p["init_filters"]) for p in grid}
    assert convs == set(itertools.product((1, 2, 3), (1, 2), (16, 32, 64)))
    assert sum(p["n_dense"] == 0 for p in grid) == 18
    # Every model of the notebook's loops, with the unused dense width dropped, is in the grid.
    notebook = {
        key({"n_blocks": b, "layers_per_block": lpb, "init_filters": f, "n_dense": nd,
             **({"dense_units": du} if nd else {}), "separable": False, "batch_norm": False})
        for b, lpb, f, nd, du in itertools.product((1, 2, 3), (1, 2), (16, 32, 64), (0, 1, 2),
                                                   (64, 128, 256, 512))
    }
    assert notebook == {key(p) for p in grid}


def test_size_note_and_counts():
    assert raw_count(BLOCKS) == 216
    assert distinct_count(BLOCKS) == 162
    note = grid_size_note(BLOCKS)
    assert note == "216 combinations, 162 distinct models (dense_units unused when n_dense is 0)"
    widened = SearchSpace("w", "blocks", BLOCKS.params[:5] + (Categorical("separable", (False, True)),
                                                               Categorical("batch_norm", (False, True))))
    assert len(distinct_grid(widened)) == distinct_count(widened) == 4 * 162
    plain = SearchSpace("p", "blocks", tuple(
        Categorical(p.name, p.choices) if isinstance(p, Categorical) else p for p in BLOCKS.params))
    assert grid_size_note(plain) == "216 combinations, all distinct"


def test_boolean_controller_and_chained_requirements():
    space = SearchSpace("c", "blocks", (
        Categorical("n_blocks", (1, 2)),
        Categorical("use_extra", (False, True)),
        IntRange("extra", 0, 2, requires="use_extra"),
        Categorical("extra_width", (8, 16), requires="extra"),
    ))
    grid = distinct_grid(space)
    # use_extra false: 1 model; true: extra 0 (1) + extra 1..2 with two widths (4) = 5; times n_blocks 2.
    assert len(grid) == distinct_count(space) == 2 * (1 + 5)
    assert raw_count(space) == 2 * 2 * 3 * 2
    assert {"n_blocks": 1, "use_extra": False} in grid
    assert {"n_blocks": 1, "use_extra": True, "extra": 0} in grid
    assert grid_size_note(space) == (
        "24 combinations, 12 distinct models "
        "(extra unused when use_extra is false; extra_width unused when extra is 0 or is unused)"
    )


def test_float_range_has_no_grid():
    with pytest.raises(UsageError) as err:
        distinct_grid(SINGLE_CONV)
    assert str(err.value) == (
        "grid sampler: parameter 'dropout' is a float range; a grid needs categorical or int parameters "
        "(e.g. choices = [0.0, 0.1, 0.2])"
    )
    space = SearchSpace("f", "blocks", (Categorical("a", (1, 2)), FloatRange("lr", 1e-4, 1e-2, log=True)))
    with pytest.raises(UsageError, match="parameter 'lr' is a float range"):
        grid_size_note(space)


def test_int_ranges_enumerate_their_values():
    space = SearchSpace("i", "blocks", (
        IntRange("width", 4, 18, step=4),
        IntRange("units", 8, 12, log=True),
        IntRange("depth", 1, 2),
    ))
    grid = distinct_grid(space)
    assert {p["width"] for p in grid} == {4, 8, 12, 16}  # 18 is not on the step
    assert {p["units"] for p in grid} == {8, 9, 10, 11, 12}
    assert len(grid) == 4 * 5 * 2 == raw_count(space)
    assert grid[0] == {"width": 4, "units": 8, "depth": 1}
    assert grid[1] == {"width": 4, "units": 8, "depth": 2}


def test_limit_refuses_big_grids_in_one_line():
    assert len(distinct_grid(BLOCKS, limit=162)) == 162
    with pytest.raises(UsageError) as err:
        distinct_grid(BLOCKS, limit=161)
    assert "162 distinct models" in str(err.value) and "limit of 161" in str(err.value)
    assert "\n" not in str(err.value)
    huge = SearchSpace("h", "blocks", (IntRange("a", 1, 1000), IntRange("b", 1, 1000)))
    with pytest.raises(UsageError, match="1000000 distinct models"):
        distinct_grid(huge)  # refused from the count, before listing a million dicts
