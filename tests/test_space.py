"""Search spaces: the seed's preset, Optuna sampling, TOML round trip and validation."""

from __future__ import annotations

import optuna
import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.search.space import (
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


def space_text(**overrides):
    params = {
        "num_filters": 'type = "categorical"\nchoices = [8]',
        "kernel_size": 'type = "categorical"\nchoices = [3]',
        "dense_units": 'type = "categorical"\nchoices = [32]',
        "dropout": 'type = "float"\nlow = 0.0\nhigh = 0.3',
        "lr": 'type = "float"\nlow = 1e-4\nhigh = 1e-2\nlog = true',
        "batch_size": 'type = "categorical"\nchoices = [16]',
    }
    params.update(overrides)
    body = "".join(f"[params.{k}]\n{v}\n" for k, v in params.items() if v is not None)
    return 'model = "single-conv"\n' + body


@pytest.mark.parametrize("text, words", [
    (space_text(dropout='type = "float"\nlow = 0.5\nhigh = 0.1'), "must not exceed"),
    (space_text(num_filters='type = "categorical"\nchoices = []'), "non-empty list"),
    (space_text(num_filters='type = "categorical"\nchoices = [8]\ncolour = "red"'), "unknown key(s) colour"),
    (space_text(lr='type = "float"\nlow = 0.0\nhigh = 1.0\nlog = true'), "log range needs low > 0"),
    (space_text(lr='type = "gaussian"'), "type must be categorical, int or float"),
    (space_text(batch_size=None), "needs parameters batch_size"),
    (space_text(num_filters='type = "int"\nlow = 1.5\nhigh = 8'), "whole-number bounds"),
    (space_text(dropout='type = "float"\nlow = "a"\nhigh = 0.3'), "finite number"),
    (space_text().replace('model = "single-conv"', 'model = "resnet"'), "unknown model 'resnet'"),
    (space_text() + "extra = 1\n", "unknown key(s) extra"),
    ("this is = not toml [", "not valid TOML"),
])
def test_invalid_space_files_are_refused_in_one_line(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as err:
        SearchSpace.load(path)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_space_name_and_missing_file():
    with pytest.raises(UsageError, match="unknown space 'wide'"):
        resolve_space("wide")
    with pytest.raises(UsageError, match="cannot read space file"):
        resolve_space("/nonexistent/space.toml")
