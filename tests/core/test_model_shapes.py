"""Images too small for a space's models are found by shape arithmetic, without TensorFlow (issue 14,
item 10); tests/tf/test_model_shapes_keras.py holds the arithmetic to what Keras builds."""

from __future__ import annotations

import pytest

from tinynas_tui.core.model_shapes import check_images_fit
from tinynas_tui.core.space import BLOCKS, SINGLE_CONV, Categorical, IntRange, SearchSpace
from tinynas_tui.errors import UsageError


@pytest.mark.parametrize("shape", [(1, 1), (1, 5000), (5000, 1, 3), (3, 3)])
def test_no_single_conv_model_builds_on_images_this_small(shape):
    with pytest.raises(UsageError) as err:
        check_images_fit(SINGLE_CONV, shape, "d.npz")
    assert str(err.value) == (
        f"d.npz: no model of space 'single-conv' can be built on {shape[0]}x{shape[1]} images: a single-conv "
        "model (a 3x3 convolution, then 2x2 pooling) needs images of at least 4x4; expected larger images, or "
        "the blocks space")


def test_the_models_that_cannot_be_built_are_named():
    with pytest.raises(UsageError) as err:
        check_images_fit(SINGLE_CONV, (5, 28), "d.npz")  # kernel 3 fits, kernel 5 does not
    assert "the models of space 'single-conv' with kernel_size 5 cannot be built on 5x28 images" in str(err.value)
    assert str(err.value).endswith("expected kernel_size at most 3")


def test_an_int_range_of_kernels_is_checked_value_by_value():
    params = tuple(IntRange("kernel_size", 1, 9, step=2) if p.name == "kernel_size" else p
                   for p in SINGLE_CONV.params)
    space = SearchSpace("odd", "single-conv", params)
    with pytest.raises(UsageError, match=r"kernel_size 5, 7, 9 cannot be built on 5x5 images"):
        check_images_fit(space, (5, 5), "d.npz")
    check_images_fit(space, (10, 10), "d.npz")


@pytest.mark.parametrize("shape", [(6, 6), (28, 28, 1), (96, 96, 3)])
def test_images_large_enough_pass(shape):
    check_images_fit(SINGLE_CONV, shape, "d.npz")


@pytest.mark.parametrize("shape", [(1, 1), (1, 5000), (2, 3)])
def test_blocks_models_build_on_any_image(shape):
    check_images_fit(BLOCKS, shape, "d.npz")
    wide = SearchSpace("wide", "blocks", tuple(Categorical("n_blocks", (8,)) if p.name == "n_blocks" else p
                                               for p in BLOCKS.params))
    check_images_fit(wide, shape, "d.npz")
