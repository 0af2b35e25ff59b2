"""Whether a space's models can be built for an image size, from shape arithmetic alone (no TensorFlow).

The builders (`tinynas_tui.pipeline.models`) shrink an image in these places only:

- ``single-conv``: a ``valid`` convolution of ``kernel_size`` (``H - k + 1``), then a 2x2 max-pool
  (halved, rounded down): both sides must come out at least 1, so images need sides of ``k + 1``.
- ``blocks``: ``same`` convolutions keep the size and a block pools only while both sides are 2 or more,
  so any image of at least one pixel builds.

So data too small for a space is refused with one line before a study exists, rather than failing every
trial with Keras' own error.
"""

from __future__ import annotations

from tinynas_tui.core.space import Categorical, IntRange, Param, SearchSpace
from tinynas_tui.errors import UsageError


def single_conv_min_side(kernel_size: int) -> int:
    """The smallest image side a single-conv model with this kernel builds on: ``valid`` convolution, then
    2x2 pooling, each leaving at least one pixel."""
    return kernel_size + 1


def check_images_fit(space: SearchSpace, image_shape: tuple[int, ...], where: str) -> None:
    """Refuse images (``(H, W)`` or ``(H, W, C)``) on which some model of ``space`` cannot be built.

    Raises:
        UsageError: One line naming the image size, the values of the space that cannot be built on it,
            and the size they need.
    """
    if space.model != "single-conv":
        return
    height, width = image_shape[0], image_shape[1]
    kernels = _int_values(next(p for p in space.params if p.name == "kernel_size"))
    too_big = sorted(k for k in kernels if min(height, width) < single_conv_min_side(k))
    if not too_big:
        return
    size = f"{height}x{width}"
    if len(too_big) == len(kernels):
        smallest = too_big[0]
        raise UsageError(
            f"{where}: no model of space {space.name!r} can be built on {size} images: a single-conv model "
            f"(a {smallest}x{smallest} convolution, then 2x2 pooling) needs images of at least "
            f"{single_conv_min_side(smallest)}x{single_conv_min_side(smallest)}; expected larger images, or the "
            "blocks space"
        )
    shown = ", ".join(str(k) for k in too_big[:5]) + (" ..." if len(too_big) > 5 else "")
    fits = max(k for k in kernels if k not in too_big)
    raise UsageError(
        f"{where}: the models of space {space.name!r} with kernel_size {shown} cannot be built on {size} "
        f"images (kernel_size k needs images of at least (k+1)x(k+1)); expected kernel_size at most {fits}"
    )


def _int_values(param: Param) -> list[int]:
    """The kernel sizes a parameter can take (its choices, or every value of its int range)."""
    if isinstance(param, Categorical):
        return [int(c) for c in param.choices]
    if isinstance(param, IntRange):
        if param.log:
            return list(range(param.low, param.high + 1))
        return list(range(param.low, param.high + 1, param.step))
    return [int(param.low), int(param.high)]  # a float range is refused for kernel_size by the space rules
