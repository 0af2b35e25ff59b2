"""How much memory a trial worker needs for a dataset ``.npz``, from its headers alone.

The worker loads every array whole (a compressed file's size says nothing: 2 MB of zeros can unpack to
2 GB), makes one float32 copy of the images it keeps (4 bytes a pixel, whatever the stored type), and
training and converting take more float32 copies of the training images (Keras' input tensor, the
representative set). Measured with a real trial of the smallest single-conv model on uint8 64x64x3 data
(peak RSS above a worker with TensorFlow imported): 194 MB for 19 MB of float32 images, 620 MB for 188 MB,
964 MB for 375 MB; so the estimate is 150 MB plus 2.5 times the float32 images, or while loading the raw
arrays plus their float32 copy, whichever is more, above TensorFlow's 600 MB.
"""

from __future__ import annotations

import math

from tinynas_tui.core.npz_headers import ArrayHeader
from tinynas_tui.errors import UsageError

TENSORFLOW_MB = 600.0
"""A trial worker with TensorFlow imported and nothing loaded (measured: 596 MB)."""
TRIAL_MB = 150.0
"""A small model's graphs, optimizer and converter, above the data."""
TRAINING_FLOAT_COPIES = 2.5
"""Float32 images alive at a trial's peak, in units of the dataset's own float32 images."""


def worker_need_mb(layout: dict[str, ArrayHeader], train_samples: int | None = None,
                   test_samples: int | None = None) -> tuple[float, float, float]:
    """(MB a trial worker needs, MB of the raw arrays, MB of the float32 images it keeps).

    Args:
        layout: The four arrays' headers (`tinynas_tui.core.npz_dataset.npz_layout`).
        train_samples, test_samples: The subsample sizes (None: all); the raw arrays are loaded whole
            before subsampling, the float32 copies are of the subsample.
    """
    raw = sum(h.nbytes for h in layout.values()) / 2**20
    floats = 0.0
    for part, wanted in (("train", train_samples), ("test", test_samples)):
        header = layout[f"x_{part}"]
        count = header.shape[0] if wanted is None else min(wanted, header.shape[0])
        floats += count * math.prod(header.shape[1:]) * 4 / 2**20
    need = TENSORFLOW_MB + max(raw + floats, TRIAL_MB + TRAINING_FLOAT_COPIES * floats)
    return need, raw, floats


def check_fits(layout: dict[str, ArrayHeader], train_samples: int | None, test_samples: int | None,
               limit_mb: float | None, where: str) -> None:
    """Refuse data a trial worker cannot hold within ``--trial-memory-mb`` (None: no limit).

    Raises:
        UsageError: One line: what the data takes, what the worker would need, the option to raise.
    """
    if limit_mb is None:
        return
    need, raw, floats = worker_need_mb(layout, train_samples, test_samples)
    if need <= limit_mb:
        return
    raise UsageError(
        f"{where}: its arrays take {raw:,.0f} MB unpacked and {floats:,.0f} MB as float32 images, so a trial "
        f"worker needs about {math.ceil(need):,} MB, over --trial-memory-mb {limit_mb:g}; raise "
        f"--trial-memory-mb to {math.ceil(need / 64) * 64} or more, or use a smaller dataset "
        "(--train-samples and --test-samples shrink only the float32 copies)"
    )
