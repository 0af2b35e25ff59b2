"""Where a run's trial workers train, in the header's words: from the options, or from a finished trial.

The UI never asks TensorFlow (only trial workers import it): ``--gpus`` and ``--cpu`` say it before any
trial runs; without them, each finished trial records where it trained (`figures.TRAINED_ON`).
"""

from __future__ import annotations

CPU = "CPU"
BRAND_WORDS = frozenset({"NVIDIA", "GeForce", "Tesla", "Quadro", "AMD", "Radeon", "Instinct", "Intel"})
"""Words of a GPU's name that say nothing a header needs: the vendor and the product line."""
MAX_MODEL = 16
"""The most of a GPU's model name the header shows (cut with …)."""
MAX_TEXT = 24
"""The most of a device text that is not ``GPU N (name)``."""


def from_options(gpus: tuple[int, ...], cpu: bool) -> str | None:
    """``GPUs 0,1`` (``--gpus``), ``CPU`` (``--cpu``); None: the options do not say."""
    if cpu:
        return CPU
    if gpus:
        return ("GPU " if len(gpus) == 1 else "GPUs ") + ",".join(map(str, gpus))
    return None


def from_trained_on(trained_on: object) -> str | None:
    """What a trial recorded, short: ``GPU 1 (NVIDIA H200)`` is ``GPU 1 (H200)``, ``CPU`` stays; None: no text."""
    if not isinstance(trained_on, str) or not trained_on.strip():
        return None
    device, paren, name = trained_on.strip().partition(" (")
    if not paren or not name.endswith(")"):
        return _cut(trained_on.strip(), MAX_TEXT)
    model = " ".join(w for w in name[:-1].split() if w not in BRAND_WORDS) or name[:-1].strip()
    return f"{_cut(device, MAX_TEXT)} ({_cut(model, MAX_MODEL)})" if model else _cut(device, MAX_TEXT)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
