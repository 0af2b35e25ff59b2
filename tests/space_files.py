"""A small valid search-space TOML for tests, with parameters replaced or added by name."""

from __future__ import annotations

SPACE_PARAMS = {
    "num_filters": 'type = "categorical"\nchoices = [8]',
    "kernel_size": 'type = "categorical"\nchoices = [3]',
    "dense_units": 'type = "categorical"\nchoices = [32]',
    "dropout": 'type = "float"\nlow = 0.0\nhigh = 0.3',
    "lr": 'type = "float"\nlow = 1e-4\nhigh = 1e-2\nlog = true',
    "batch_size": 'type = "categorical"\nchoices = [16]',
}


def space_text(head: str = "", **overrides: str | None) -> str:
    """The space's TOML: ``head`` first (top-level keys), then each parameter; None leaves one out."""
    params = {**SPACE_PARAMS, **overrides}
    body = "".join(f"[params.{k}]\n{v}\n" for k, v in params.items() if v is not None)
    return head + 'model = "single-conv"\n' + body
