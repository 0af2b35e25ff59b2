"""Search spaces: the seed's preset, Optuna sampling, TOML round trip and validation."""

from __future__ import annotations

import optuna
import pytest
from space_files import space_text

from tinynas_tui.errors import UsageError
from tinynas_tui.core.space import (
    SINGLE_CONV,
    Categorical,
    FloatRange,
    SearchSpace,
    resolve_space,
)

optuna.logging.set_verbosity(optuna.logging.ERROR)


def test_single_conv_is_the_seed_table():
    table = {p.name: p for p in SINGLE_CONV.params}
    assert SINGLE_CONV.names == ("num_filters", "kernel_size", "dense_units", "dropout", "lr", "batch_size")
    assert table["num_filters"] == Categorical("num_filters", (8, 16, 32))
    assert table["kernel_size"] == Categorical("kernel_size", (3, 5))
    assert table["dense_units"] == Categorical("dense_units", (32, 64, 128))
    assert table["dropout"] == FloatRange("dropout", 0.0, 0.3)
    assert table["lr"] == FloatRange("lr", 1e-4, 1e-2, log=True)
    assert table["batch_size"] == Categorical("batch_size", (16, 32))


def test_sampling_stays_inside_the_space_and_covers_choices():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = []
    for _ in range(60):
        trial = study.ask()
        seen.append(SINGLE_CONV.suggest(trial))
        study.tell(trial, 0.0)
    for params in seen:
        assert list(params) == list(SINGLE_CONV.names)
        assert params["num_filters"] in (8, 16, 32) and params["batch_size"] in (16, 32)
        assert 0.0 <= params["dropout"] <= 0.3 and 1e-4 <= params["lr"] <= 1e-2
    assert {p["num_filters"] for p in seen} == {8, 16, 32}
    # Log scale: about half the samples fall below the geometric middle 1e-3.
    below = sum(p["lr"] < 1e-3 for p in seen)
    assert 15 <= below <= 45


def test_toml_round_trip(tmp_path):
    path = tmp_path / "space.toml"
    SINGLE_CONV.save(path)
    loaded = SearchSpace.load(path)
    assert loaded == SINGLE_CONV
    assert resolve_space(str(path)) == SINGLE_CONV


def test_int_range_and_custom_choices_round_trip(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'model = "single-conv"\n'
        '[params.num_filters]\ntype = "int"\nlow = 4\nhigh = 64\nstep = 4\n'
        '[params.kernel_size]\ntype = "categorical"\nchoices = [3]\n'
        '[params.dense_units]\ntype = "int"\nlow = 16\nhigh = 256\nlog = true\n'
        '[params.dropout]\ntype = "float"\nlow = 0.0\nhigh = 0.5\nstep = 0.1\n'
        '[params.lr]\ntype = "float"\nlow = 1e-5\nhigh = 1e-1\nlog = true\n'
        '[params.batch_size]\ntype = "categorical"\nchoices = [8, 64]\n'
    )
    space = SearchSpace.load(path)
    assert space.name == "mine"
    again = tmp_path / "again.toml"
    space.save(again)
    assert SearchSpace.load(again) == space
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    for _ in range(20):
        params = space.suggest(study.ask())
        assert params["num_filters"] % 4 == 0 and 4 <= params["num_filters"] <= 64
        assert params["kernel_size"] == 3


@pytest.mark.parametrize("text, words", [
    (space_text(dropout='type = "float"\nlow = 0.5\nhigh = 0.1'), "must not exceed"),
    (space_text(num_filters='type = "categorical"\nchoices = []'),
     "parameter 'num_filters': choices is empty; expected a non-empty list"),
    (space_text(num_filters='type = "categorical"'), "parameter 'num_filters': choices must be a list"),
    (space_text(num_filters='type = "int"\nlow = 64\nhigh = 8'), "parameter 'num_filters': low (64) must not exceed"),
    (space_text(num_filters='type = "categorical"\nchoices = [8]\ncolour = "red"'), "unknown key(s) colour"),
    (space_text(lr='type = "float"\nlow = 0.0\nhigh = 1.0\nlog = true'), "log range needs low > 0"),
    (space_text(lr='type = "gaussian"'), "type must be categorical, int or float"),
    (space_text(batch_size=None), "needs parameters batch_size"),
    (space_text(num_filters='type = "int"\nlow = 1.5\nhigh = 8'), "whole-number bounds"),
    (space_text(dropout='type = "float"\nlow = "a"\nhigh = 0.3'), "finite number"),
    (space_text().replace('model = "single-conv"', 'model = "resnet"'), "unknown model 'resnet'"),
    (space_text() + "extra = 1\n", "parameter 'batch_size': unknown key(s) extra; expected choices, requires, type"),
    ('colour = "red"\n' + space_text(), "unknown key(s) colour; expected model, name, params"),
    (space_text() + "[training]\nepochs = 3\n", "unknown key(s) training; expected model, name, params"),
    ("this is = not toml [", "not valid TOML"),
])
def test_invalid_space_files_are_refused_in_one_line(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as err:
        SearchSpace.load(path)
    assert words in str(err.value)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith(f"space file {path}")


def test_unknown_space_name_and_missing_file():
    with pytest.raises(UsageError, match="unknown space 'wide'"):
        resolve_space("wide")
    with pytest.raises(UsageError, match="cannot read space file"):
        resolve_space("/nonexistent/space.toml")


# --- conditional parameters and the blocks preset -----------------------------------------------


def test_blocks_preset_is_the_notebook_space():
    from tinynas_tui.core.space import BLOCKS, MODEL_PARAMS

    assert resolve_space("blocks") is BLOCKS
    assert BLOCKS.model == "blocks"
    assert MODEL_PARAMS["blocks"] == ("n_blocks", "layers_per_block", "init_filters", "n_dense", "dense_units")
    table = {p.name: p for p in BLOCKS.params}
    assert table["dense_units"] == Categorical("dense_units", (64, 128, 256, 512), requires="n_dense")
    assert table["separable"] == Categorical("separable", (False,))
    assert table["batch_norm"] == Categorical("batch_norm", (False,))
    assert [p.name for p in BLOCKS.conditional] == ["dense_units"]


def test_requires_toml_round_trip(tmp_path):
    from tinynas_tui.core.space import BLOCKS

    path = tmp_path / "blocks.toml"
    BLOCKS.save(path)
    text = path.read_text()
    assert 'requires = "n_dense"' in text
    assert text.count("requires") == 1
    assert SearchSpace.load(path) == BLOCKS
    assert SearchSpace.from_dict(BLOCKS.to_dict()) == BLOCKS


def test_hand_written_blocks_file_with_the_extras_widened(tmp_path):
    from tinynas_tui.core.space import BLOCKS

    path = tmp_path / "mcu.toml"
    path.write_text(
        'model = "blocks"\n'
        '[params.n_blocks]\ntype = "categorical"\nchoices = [1, 2, 3]\n'
        '[params.layers_per_block]\ntype = "categorical"\nchoices = [1, 2]\n'
        '[params.init_filters]\ntype = "categorical"\nchoices = [16, 32, 64]\n'
        '[params.n_dense]\ntype = "int"\nlow = 0\nhigh = 2\n'
        '[params.dense_units]\ntype = "categorical"\nchoices = [64, 128, 256, 512]\nrequires = "n_dense"\n'
        '[params.separable]\ntype = "categorical"\nchoices = [false, true]\n'
        '[params.batch_norm]\ntype = "categorical"\nchoices = [false, true]\n'
    )
    space = SearchSpace.load(path)
    assert space.names == BLOCKS.names and space.name == "mcu"
    assert space.params[4] == BLOCKS.params[4]
    assert space.params[5] == Categorical("separable", (False, True))


def test_requires_on_range_params_round_trips(tmp_path):
    path = tmp_path / "cond.toml"
    path.write_text(space_text(
        dropout='type = "float"\nlow = 0.0\nhigh = 0.3\nrequires = "dense_units"',
        batch_size='type = "int"\nlow = 8\nhigh = 64\nstep = 8\nrequires = "num_filters"',
    ))
    space = SearchSpace.load(path)
    table = {p.name: p for p in space.params}
    assert table["dropout"] == FloatRange("dropout", 0.0, 0.3, requires="dense_units")
    assert table["batch_size"].requires == "num_filters"
    again = tmp_path / "again.toml"
    space.save(again)
    assert SearchSpace.load(again) == space


@pytest.mark.parametrize("requires, words", [
    ('"lr"', "requires 'lr', which is a later parameter"),
    ('"depth"', "requires 'depth', which is no parameter of this space"),
    ('"dropout"', "requires 'dropout', which is the parameter itself"),
    ("3", "requires must be the name of an earlier parameter"),
    ('""', "requires must be the name of an earlier parameter"),
])
def test_requires_must_name_an_earlier_parameter(tmp_path, requires, words):
    path = tmp_path / "bad.toml"
    path.write_text(space_text(dropout=f'type = "float"\nlow = 0.0\nhigh = 0.3\nrequires = {requires}'))
    with pytest.raises(UsageError) as err:
        SearchSpace.load(path)
    assert words in str(err.value)
    assert "parameter 'dropout'" in str(err.value)
    assert "\n" not in str(err.value)


def test_python_built_space_with_a_bad_requires_is_refused():
    with pytest.raises(UsageError, match="requires 'b', which is a later parameter"):
        SearchSpace("x", "blocks", (Categorical("a", (1,), requires="b"), Categorical("b", (0, 1))))


def test_suggesting_blocks_skips_dense_units_without_dense_layers():
    from tinynas_tui.core.space import BLOCKS

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=7))
    seen = []
    for _ in range(80):
        trial = study.ask()
        params = BLOCKS.suggest(trial)
        seen.append(params)
        assert trial.params == params  # what Optuna recorded is exactly what the model gets
        study.tell(trial, 0.0)
    without = [p for p in seen if p["n_dense"] == 0]
    with_dense = [p for p in seen if p["n_dense"] > 0]
    assert without and with_dense
    assert all("dense_units" not in p for p in without)
    assert all(p["dense_units"] in (64, 128, 256, 512) for p in with_dense)
    assert all(list(p) == [n for n in BLOCKS.names if n in p] for p in seen)
    assert all(p["separable"] is False and p["batch_norm"] is False for p in seen)


def test_mcu_preset_is_a_blocks_space_of_small_models():
    from tinynas_tui.core.space import MCU

    assert resolve_space("mcu") is MCU and MCU.model == "blocks"
    table = {p.name: p for p in MCU.params}
    assert max(table["init_filters"].choices) <= 16 and min(table["init_filters"].choices) == 4
    assert table["stem_stride"] == Categorical("stem_stride", (1, 2))
    assert table["separable_stem"] == Categorical("separable_stem", (False,))
    assert SearchSpace.from_dict(MCU.to_dict(), source="mcu") == MCU  # every value passes the space rules


@pytest.mark.parametrize("choices, words", [("[1, 5]", "choice 5 is out of range; expected a whole number "
                                                      "from 1 to 4"),
                                            ("[0, 2]", "choice 0 is out of range")])
def test_stem_stride_takes_small_whole_numbers(tmp_path, choices, words):
    path = tmp_path / "s.toml"
    path.write_text(space_text(stem_stride=f'type = "categorical"\nchoices = {choices}'))
    with pytest.raises(UsageError, match=words):
        SearchSpace.load(path)
