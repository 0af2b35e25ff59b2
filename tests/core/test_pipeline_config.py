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
