"""The shape arithmetic of `core.model_shapes` against what Keras really builds (issue 14, item 10)."""

from __future__ import annotations

import pytest

from tinynas_tui.core.model_shapes import single_conv_min_side

pytestmark = pytest.mark.tf

PARAMS = {"num_filters": 1, "dense_units": 1, "dropout": 0.0, "lr": 1e-3, "batch_size": 1}


def _builds(family, params, shape) -> bool:
    from tinynas_tui.pipeline.models import build_model

    try:
        build_model(family, params, shape, 2)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_single_conv_builds_exactly_from_the_smallest_side(kernel):
    side = single_conv_min_side(kernel)
    params = {**PARAMS, "kernel_size": kernel}
    assert _builds("single-conv", params, (side, side, 1))
    assert _builds("single-conv", params, (side, 200, 3))
    assert not _builds("single-conv", params, (side - 1, side, 1))
    assert not _builds("single-conv", params, (200, side - 1, 1))


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 500, 3), (3, 2, 1)])
def test_blocks_build_on_any_image(shape):
    params = {"n_blocks": 3, "layers_per_block": 1, "init_filters": 2, "n_dense": 0, "dense_units": 4}
    assert _builds("blocks", params, shape)
