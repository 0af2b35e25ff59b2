"""Pipeline configs: presets as the seeds define them, TOML round trip, validation."""

from __future__ import annotations

import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.core.pipeline_config import PRESETS, PipelineConfig, resolve_pipeline


def test_quick_is_the_first_seed_flow():
    quick = PRESETS["quick"]
    assert quick.stages == ("build", "preflight", "train", "evaluate", "convert", "measure")
    assert quick.epochs == 1 and quick.quantization == "int8"


def test_compress_is_the_second_seed_flow_with_its_numbers():
    c = PRESETS["compress"]
    assert c.stages == ("build", "preflight", "quick_eval", "teacher", "distill", "prune", "qat",
                        "evaluate", "convert", "measure")
    assert (c.quick_eval_epochs, c.quick_eval_patience, c.quick_eval_threshold) == (5, 2, 0.6)
    assert (c.distill_alpha, c.distill_temperature, c.distill_epochs, c.teacher_epochs) == (0.1, 3.0, 10, 20)
    assert (c.prune_initial_sparsity, c.prune_final_sparsity, c.prune_epochs, c.qat_epochs) == (0.5, 0.8, 1, 5)
    assert c.curriculum


def test_toml_round_trip_and_partial_files(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(PRESETS["compress"].to_toml())
    assert PipelineConfig.load(path) == PRESETS["compress"]
    small = tmp_path / "small.toml"
    small.write_text("prune = true\nprune_final_sparsity = 0.9\nqat = true\nqat_epochs = 2\n")
    loaded = resolve_pipeline(str(small))
    assert loaded.name == "small" and loaded.prune and loaded.prune_final_sparsity == 0.9
    assert loaded.stages == ("build", "preflight", "train", "prune", "qat", "evaluate", "convert", "measure")


@pytest.mark.parametrize("text, words", [
    ("prune = 1\n", "prune must be true or false"),
    ("epochs = 0\n", "epochs must be a positive whole number"),
    ("distill_alpha = 1.5\n", "distill_alpha must be between 0 and 1"),
    ("prune_final_sparsity = 0.3\n", "prune_final_sparsity must be at least"),
    ("curriculum = true\n", "needs distill = true"),
    ("quantization = \"fp16\"\n", "unknown quantization 'fp16'"),
    ("colour = \"red\"\n", "unknown key(s) 'colour'; expected settings: name, epochs, quantization,"),
    ("epoch = 3\n", "unknown key(s) 'epoch' (did you mean 'epochs'?)"),
    ("[distill]\nalpha = 0.5\n", "[distill] is a table, but a pipeline file has no tables; expected each "
                                  "setting at the top level (e.g. distill_alpha = ...)"),
    ("[train]\nepochs = 3\n", "[train] is a table, but a pipeline file has no tables; expected each setting "
                               "at the top level (e.g. epochs = ...)"),
    ("[train]\nwarmup = 3\n", "(key = value)"),
    ("prune_initial_sparsity = 0.9\n", "prune_final_sparsity must be at least prune_initial_sparsity (0.9)"),
    ("epochs = \"many\"\n", "epochs must be a whole number"),
    ("not toml [", "not valid TOML"),
])
def test_invalid_pipeline_files_are_refused_in_one_line(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as err:
        resolve_pipeline(str(path))
    assert words in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith(f"pipeline file {path}")


def test_unknown_preset():
    with pytest.raises(UsageError, match="unknown pipeline 'slow'"):
        resolve_pipeline("slow")


# --- converge: augmentation, early stopping, the learning-rate schedule ------------------------------


def test_converge_trains_small_models_to_convergence():
    c = PRESETS["converge"]
    assert c.stages == PRESETS["quick"].stages  # augmentation and early stopping are part of training
    assert c.augment and (c.augment_shift, c.augment_rotation, c.augment_zoom) == (2, 10.0, 0.1)
    assert c.early_stopping and c.epochs == 40 and c.validation_split == 0.1
    assert (c.patience, c.early_stopping_monitor, c.reduce_lr, c.reduce_lr_patience) == (6, "val_loss", True, 2)
    assert not (c.distill or c.prune or c.qat) and c.quantization == "int8"


def test_a_pipeline_stored_before_the_converge_settings_trains_as_it_did():
    old = {k: v for k, v in PRESETS["compress"].to_dict().items()
           if not k.startswith(("augment", "early_stopping", "reduce_lr")) and k not in ("validation_split",
                                                                                           "patience")}
    loaded = PipelineConfig.from_dict(old)
    assert loaded == PRESETS["compress"]
    assert not loaded.augment and not loaded.early_stopping and not loaded.reduce_lr


@pytest.mark.parametrize("text, words", [
    ("augment_rotation = 200\n", "augment_rotation must be between 0 and 180 (degrees), got 200.0"),
    ("augment_zoom = 1.0\n", "augment_zoom must be at least 0 and below 1"),
    ("augment_zoom = -0.1\n", "augment_zoom must be at least 0 and below 1"),
    ("augment_shift = -1\n", "augment_shift must be 0 or more"),
    ("augment_shift = 1.5\n", "augment_shift must be a whole number"),
    ("augment = true\naugment_shift = 0\naugment_rotation = 0\naugment_zoom = 0\n",
     "augment is on but augment_shift, augment_rotation and augment_zoom are all 0"),
    ("validation_split = 0\n", "validation_split must be between 0 and 1 (exclusive)"),
    ("validation_split = 1\n", "validation_split must be between 0 and 1 (exclusive)"),
    ("patience = 0\n", "patience must be a positive whole number"),
    ("reduce_lr_patience = 0\n", "reduce_lr_patience must be a positive whole number"),
    ("early_stopping_monitor = \"accuracy\"\n", "early_stopping_monitor must be one of val_loss, val_accuracy"),
    ("early_stoping = true\n", "(did you mean 'early_stopping'?)"),
])
def test_invalid_converge_settings_are_refused_in_one_line(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as err:
        resolve_pipeline(str(path))
    assert words in str(err.value) and "\n" not in str(err.value)


def test_augmentation_by_shift_alone_and_no_shift_are_valid():
    assert PipelineConfig(augment=True, augment_rotation=0.0, augment_zoom=0.0).augment_shift == 2
    assert PipelineConfig(augment=True, augment_shift=0).augment_rotation == 10.0


def test_a_stage_lists_its_settings_only_when_on_and_a_nested_switch_only_with_its_parent():
    from tinynas_tui.core.pipeline_config import STAGE_SETTINGS

    quick = set(PRESETS["quick"].used_settings())
    assert {"augment", "early_stopping"} <= quick
    assert not quick & (set(STAGE_SETTINGS["augment"]) | set(STAGE_SETTINGS["early_stopping"]))
    on = set(PRESETS["converge"].used_settings())
    assert set(STAGE_SETTINGS["augment"]) | set(STAGE_SETTINGS["early_stopping"]) <= on
    # reduce_lr is read only with early stopping: switched on alone, neither it nor its patience shows.
    alone = set(PipelineConfig(reduce_lr=True).used_settings())
    assert "reduce_lr" not in alone and "reduce_lr_patience" not in alone
    without = set(PipelineConfig(early_stopping=True).used_settings())
    assert "reduce_lr" in without and "reduce_lr_patience" not in without
