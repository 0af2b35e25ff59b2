"""The trial pipeline's configuration: which stages run and with which numbers. No TensorFlow here.

Three presets: ``quick`` is the first seed's flow (train, convert, measure); ``compress`` is the second
seed's (quick filter, teacher + distillation with a curriculum, pruning, quantization-aware training);
``converge`` trains small models to convergence (augmented batches, early stopping on a validation part
of the training set, the learning rate halved on plateaus).
Any preset can be written to TOML, edited, and passed back as ``--pipeline PATH.toml``.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from tinynas_tui.errors import UsageError

QUANTIZATION_MODES = ("int8", "dynamic")
EARLY_STOPPING_MONITORS = ("val_loss", "val_accuracy")


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of one pipeline; stored with the study so a resumed study trains the same way.

    Attributes:
        name: Preset name, or the config file's stem.
        epochs: Plain training epochs (the first seed trains 1); unused when distillation trains. With
            early stopping, the most epochs it may run.
        quantization: ``int8`` full-integer post-training quantization (what microcontrollers run), or
            ``dynamic`` range quantization (the first seed's: float input and activations).
        representative_samples: Training images used to calibrate int8 ranges.
        latency_runs: Timed single-image invokes; the median is reported.
        latency_warmup: Untimed invokes before timing.
        eval_batch_size: Batch size of the LiteRT accuracy evaluation.
        quick_eval: Train briefly with early stopping first; below the threshold the trial is pruned.
        quick_eval_epochs, quick_eval_patience, quick_eval_threshold, quick_eval_validation: Its epochs,
            early-stopping patience, validation-accuracy threshold and validation fraction.
        distill: Train by knowledge distillation from a teacher (trained once per dataset, cached).
        teacher_epochs, teacher_batch_size: The teacher's training.
        distill_alpha, distill_temperature, distill_epochs: alpha*CE + (1-alpha)*T^2*KL, for N epochs.
        curriculum: Order the training data by the teacher's prediction entropy, easiest first.
        augment: Train (or distill) on randomly shifted, rotated and zoomed copies of each batch, drawn
            afresh every epoch; never the calibration, validation or test images, never in the model.
        augment_shift, augment_rotation, augment_zoom: Their largest shift (pixels, each axis), rotation
            (degrees, either way) and zoom (fraction, in or out).
        early_stopping: Hold out part of the training set, stop when its ``early_stopping_monitor`` has
            not improved for ``patience`` epochs, and keep the weights of its best epoch.
        validation_split, patience, early_stopping_monitor: The held-out fraction (stratified, seeded:
            the same images for every trial), the epochs without improvement, what is watched.
        reduce_lr: With early stopping, halve the learning rate after ``reduce_lr_patience`` epochs
            without improvement.
        prune: Magnitude pruning with a polynomial-decay schedule, fine-tuned, then stripped.
        prune_initial_sparsity, prune_final_sparsity, prune_epochs: The schedule and its fine-tuning.
        qat: Quantization-aware training (pruning-preserving when pruning ran).
        qat_epochs: Its epochs.
        keep_keras: Keep each complete trial's Keras model in the artifact store (for export): ``.keras``,
            or ``.h5`` after QAT, whose layers tfmot reloads only from HDF5.
        screen: Multi-fidelity: train ``screen_epochs`` first, holding out ``screen_validation`` of the
            training data (with early stopping, its ``validation_split`` instead); only a candidate no
            earlier screened one dominates (validation accuracy, size, latency; `tinynas_tui.core.fidelity`)
            trains on to ``epochs`` (with early stopping, until it stops improving), the rest end PRUNED.
        screen_epochs, screen_validation, screen_slack, screen_min_peers: Its epochs, held-out fraction,
            the accuracy a dominating candidate must exceed by, and the candidates screened before any is
            held back.
    """

    name: str = "quick"
    epochs: int = 1
    quantization: str = "int8"
    representative_samples: int = 200
    latency_runs: int = 200
    latency_warmup: int = 20
    eval_batch_size: int = 256
    quick_eval: bool = False
    quick_eval_epochs: int = 5
    quick_eval_patience: int = 2
    quick_eval_threshold: float = 0.6
    quick_eval_validation: float = 0.2
    distill: bool = False
    teacher_epochs: int = 20
    teacher_batch_size: int = 32
    distill_alpha: float = 0.1
    distill_temperature: float = 3.0
    distill_epochs: int = 10
    curriculum: bool = False
    augment: bool = False
    augment_shift: int = 2
    augment_rotation: float = 10.0
    augment_zoom: float = 0.1
    early_stopping: bool = False
    validation_split: float = 0.1
    patience: int = 4
    early_stopping_monitor: str = "val_loss"
    reduce_lr: bool = False
    reduce_lr_patience: int = 2
    prune: bool = False
    prune_initial_sparsity: float = 0.5
    prune_final_sparsity: float = 0.8
    prune_epochs: int = 1
    qat: bool = False
    qat_epochs: int = 5
    keep_keras: bool = False
    screen: bool = False
    screen_epochs: int = 1
    screen_validation: float = 0.1
    screen_slack: float = 0.0
    screen_min_peers: int = 3

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "pipeline config") -> PipelineConfig:
        known = {f.name: f for f in fields(cls)}
        _check_flat(data, known, source)
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise UsageError(f"{source}: {_unknown_keys_message(unknown, known)}")
        values = {}
        for key, value in data.items():
            kind = known[key].type
            if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not _has_type(value, kind):
                raise UsageError(f"{source}: {key} must be {_type_name(kind)}, got {value!r}")
            values[key] = value
        return cls(**values).validated(source)

    def with_overrides(self, **overrides: Any) -> PipelineConfig:
        """A copy with the given settings replaced (None leaves a setting as it is)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None}).validated()

    def validated(self, source: str = "pipeline config") -> PipelineConfig:
        def bad(key: str, expected: str) -> UsageError:
            return UsageError(f"{source}: {key} must be {expected}, got {getattr(self, key)!r}")

        if self.quantization not in QUANTIZATION_MODES:
            raise UsageError(f"{source}: unknown quantization {self.quantization!r}: expected one of "
                             f"{', '.join(QUANTIZATION_MODES)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if not _has_type(value, f.type):
                raise bad(f.name, _type_name(f.type))
            if f.type == "int" and value < (0 if f.name in _ZERO_ALLOWED else 1):
                raise bad(f.name, "0 or more" if f.name in _ZERO_ALLOWED else "a positive whole number")
            if f.type == "float" and not math.isfinite(value):
                raise bad(f.name, "a finite number")
        for key in ("quick_eval_threshold", "distill_alpha", "prune_initial_sparsity"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise bad(key, "between 0 and 1")
        for key in ("quick_eval_validation", "validation_split"):
            if not 0.0 < getattr(self, key) < 1.0:
                raise bad(key, "between 0 and 1 (exclusive)")
        if not 0.0 <= self.augment_rotation <= 180.0:
            raise bad("augment_rotation", "between 0 and 180 (degrees)")
        if not 0.0 <= self.augment_zoom < 1.0:
            raise bad("augment_zoom", "at least 0 and below 1")
        if self.augment and not (self.augment_shift or self.augment_rotation or self.augment_zoom):
            raise UsageError(f"{source}: augment is on but augment_shift, augment_rotation and augment_zoom are "
                             "all 0; expected one of them above 0, or augment = false")
        if self.early_stopping_monitor not in EARLY_STOPPING_MONITORS:
            raise bad("early_stopping_monitor", f"one of {', '.join(EARLY_STOPPING_MONITORS)}")
        if self.distill_temperature <= 0:
            raise bad("distill_temperature", "positive")
        if not self.prune_initial_sparsity <= self.prune_final_sparsity < 1.0:
            raise bad("prune_final_sparsity", f"at least prune_initial_sparsity ({self.prune_initial_sparsity}) "
                      "and below 1")
        if self.curriculum and not self.distill:
            raise UsageError(f"{source}: curriculum orders data by the teacher, so it needs distill = true")
        if not 0.0 < self.screen_validation < 1.0:
            raise bad("screen_validation", "between 0 and 1 (exclusive)")
        if not 0.0 <= self.screen_slack <= 1.0:
            raise bad("screen_slack", "between 0 and 1")
        if self.screen:
            self._check_screen(source)
        return self

    def _check_screen(self, source: str) -> None:
        if self.distill:
            raise UsageError(f"{source}: screen shortens plain training, but distill trains instead; turn one off")
        if self.quick_eval:
            raise UsageError(f"{source}: screen and quick_eval both end weak candidates early; turn one off")
        if self.screen_epochs >= self.epochs:
            raise UsageError(f"{source}: screen_epochs ({self.screen_epochs}) must be fewer than epochs "
                             f"({self.epochs}): the screen is the first part of training")

    def used_settings(self) -> tuple[str, ...]:
        """The settings this pipeline's stages read (`STAGE_SETTINGS`), with the switches that turn a
        stage on, in field order: a ``quick`` pipeline has no use for the pruning schedule."""
        unused: set[str] = set()
        for switch, names in STAGE_SETTINGS.items():  # a switch listed under an earlier one is off with it
            if switch in unused or not getattr(self, switch):
                unused.update(names)
        if self.distill:
            unused.add("epochs")  # the teacher and the distilled student train instead
        if self.early_stopping:
            unused.add("screen_validation")  # the screen holds out early stopping's part instead
        return tuple(f.name for f in fields(self) if f.name != "name" and f.name not in unused)

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages a trial runs, in order."""
        out = ["build", "preflight"]
        if self.quick_eval:
            out.append("quick_eval")
        if self.screen:
            out.append("screen")
        if self.distill:
            out += ["teacher", "distill"]
        else:
            out.append("train")
        if self.prune:
            out.append("prune")
        if self.qat:
            out.append("qat")
        return tuple(out + ["evaluate", "convert", "measure"])

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def load(cls, path: Path) -> PipelineConfig:
        """Read a config from TOML; missing keys take the ``quick`` defaults."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read pipeline file {path}: {getattr(err, 'strerror', None) or err}") from None
        except tomllib.TOMLDecodeError as err:
            raise UsageError(f"pipeline file {path} is not valid TOML: {err}") from None
        data.setdefault("name", path.stem)
        return cls.from_dict(data, source=f"pipeline file {path}")


_ZERO_ALLOWED = frozenset({"latency_warmup", "augment_shift"})
"""Whole-number settings that may be 0 (every other one is at least 1)."""


def _check_flat(data: dict[str, Any], known: dict[str, Any], source: str) -> None:
    """Refuse a ``[table]``: every setting is a top-level ``key = value`` (e.g. ``distill_alpha``)."""
    for key, value in data.items():
        if isinstance(value, dict):
            flat = [name for inner in value for name in (f"{key}_{inner}", inner) if name in known]
            hint = f"e.g. {flat[0]} = ..." if flat else "key = value"
            raise UsageError(f"{source}: [{key}] is a table, but a pipeline file has no tables; "
                             f"expected each setting at the top level ({hint})")


def _unknown_keys_message(unknown: list[str], known: dict[str, Any]) -> str:
    """``unknown key(s) ...``, with the closest setting for a typo, else every setting."""
    guesses = {k: difflib.get_close_matches(k, known, n=1) for k in unknown}
    named = ", ".join(f"{k!r} (did you mean {g[0]!r}?)" if g else repr(k) for k, g in guesses.items())
    if all(guesses.values()):
        return f"unknown key(s) {named}"
    return f"unknown key(s) {named}; expected settings: {', '.join(known)}"


def _has_type(value: Any, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    return True


def _type_name(kind: str) -> str:
    return {"bool": "true or false", "int": "a whole number", "float": "a number", "str": "text"}.get(kind, kind)


STAGE_SETTINGS: dict[str, tuple[str, ...]] = {
    "quick_eval": ("quick_eval_epochs", "quick_eval_patience", "quick_eval_threshold", "quick_eval_validation"),
    "distill": ("teacher_epochs", "teacher_batch_size", "distill_alpha", "distill_temperature", "distill_epochs",
                "curriculum"),
    "augment": ("augment_shift", "augment_rotation", "augment_zoom"),
    "early_stopping": ("validation_split", "patience", "early_stopping_monitor", "reduce_lr", "reduce_lr_patience"),
    "reduce_lr": ("reduce_lr_patience",),
    "prune": ("prune_initial_sparsity", "prune_final_sparsity", "prune_epochs"),
    "qat": ("qat_epochs",),
    "screen": ("screen_epochs", "screen_validation", "screen_slack", "screen_min_peers"),
}
"""Switch -> the settings only its stage reads (`pipeline/trial.py`). A switch may be one of an earlier
switch's settings (``reduce_lr`` of ``early_stopping``): it is read only while that one is on."""

PRESETS: dict[str, PipelineConfig] = {
    "quick": PipelineConfig(),
    # The second seed's flow with its numbers: quick filter 5 epochs / patience 2 / threshold 0.6,
    # distillation alpha 0.1, T 3, 10 epochs, teacher 20 epochs, pruning 50% -> 80% with 1 epoch of
    # fine-tuning, 5 epochs of QAT.
    "compress": PipelineConfig(name="compress", quick_eval=True, distill=True, curriculum=True, prune=True,
                               qat=True),
    # Small models trained until they stop improving: augmented batches (2 px, 10 degrees, 10% zoom),
    # up to 40 epochs, stopped after 6 without a lower validation loss on a held-out 10%, the learning
    # rate halved after 2 (README "Small models to convergence": each of these measured; patience 4
    # stopped before the halved rate could help). Distillation measured no better, at 2.4x the time.
    "converge": PipelineConfig(name="converge", epochs=40, augment=True, early_stopping=True, patience=6,
                               reduce_lr=True),
}


def resolve_pipeline(name_or_path: str) -> PipelineConfig:
    """A preset by name, or a config loaded from a ``.toml`` path."""
    if name_or_path in PRESETS:
        return PRESETS[name_or_path]
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return PipelineConfig.load(Path(name_or_path))
    raise UsageError(f"unknown pipeline {name_or_path!r}: expected one of {', '.join(PRESETS)} or a .toml file")
