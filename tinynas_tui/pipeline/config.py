"""The trial pipeline's configuration: which stages run and with which numbers. No TensorFlow here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from tinynas_tui.errors import UsageError

QUANTIZATION_MODES = ("int8", "dynamic")


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of one pipeline; stored with the study so a resumed study trains the same way.

    Attributes:
        name: Preset name, or the config file's stem.
        epochs: Training epochs (the seed trains 1).
        quantization: ``int8`` full-integer post-training quantization (what microcontrollers run), or
            ``dynamic`` range quantization (the seed's conversion: float input and activations).
        representative_samples: Training images used to calibrate int8 ranges.
        latency_runs: Timed single-image invokes; the median is reported.
        latency_warmup: Untimed invokes before timing.
        eval_batch_size: Batch size of the LiteRT accuracy evaluation.
    """

    name: str = "quick"
    epochs: int = 1
    quantization: str = "int8"
    representative_samples: int = 200
    latency_runs: int = 200
    latency_warmup: int = 20
    eval_batch_size: int = 256

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PipelineConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"pipeline config: unknown key(s) {', '.join(unknown)}")
        return cls(**data).validated()

    def with_overrides(self, **overrides: Any) -> PipelineConfig:
        """A copy with the given settings replaced (None leaves a setting as it is)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None}).validated()

    def validated(self) -> PipelineConfig:
        if self.quantization not in QUANTIZATION_MODES:
            raise UsageError(
                f"unknown quantization {self.quantization!r}: expected one of {', '.join(QUANTIZATION_MODES)}"
            )
        for name in ("epochs", "representative_samples", "latency_runs", "eval_batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"pipeline setting {name} must be a positive whole number, got {value!r}")
        if isinstance(self.latency_warmup, bool) or not isinstance(self.latency_warmup, int) or self.latency_warmup < 0:
            raise UsageError(f"pipeline setting latency_warmup must be 0 or more, got {self.latency_warmup!r}")
        return self


PRESETS: dict[str, PipelineConfig] = {"quick": PipelineConfig()}


def resolve_pipeline(name: str) -> PipelineConfig:
    if name in PRESETS:
        return PRESETS[name]
    raise UsageError(f"unknown pipeline {name!r}: expected one of {', '.join(PRESETS)}")
