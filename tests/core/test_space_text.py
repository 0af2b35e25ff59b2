"""The one-line text form of search-space parameters: round trips, kinds and one-line errors."""

from __future__ import annotations

import pytest

from tinynas_tui.errors import UsageError
from tinynas_tui.core.space import SINGLE_CONV, Categorical, FloatRange, IntRange, SearchSpace
from tinynas_tui.core.space_text import param_from_text, param_kind, param_to_text, space_with_param

EXTRA_PARAMS = [
    IntRange("width", 4, 64, step=4),
    IntRange("units", 8, 512, log=True),
    IntRange("depth", 1, 6),
    FloatRange("dropout", 0.0, 0.5, step=0.1),
    FloatRange("scale", 1.0, 100.0),
    FloatRange("tiny", 1e-9, 1e20, log=True),
    Categorical("flags", (True, False)),
    Categorical("words", ("relu", "true", "a,b", " padded", "x..y", "0.5", 'say "hi"')),
    Categorical("numbers", (0.5, -3)),
]


@pytest.mark.parametrize("param", [*SINGLE_CONV.params, *EXTRA_PARAMS], ids=lambda p: p.name)
def test_text_round_trips(param):
    text = param_to_text(param)
    assert "\n" not in text
    assert param_from_text(param.name, text, param_kind(param)) == param
    assert param_from_text(param.name, text) == param  # the text alone says the kind


@pytest.mark.parametrize(
    ("param", "text"),
    [
        (SINGLE_CONV.params[0], "8, 16, 32"),
        (IntRange("width", 4, 64, step=4, log=False), "4..64 step 4"),
        (IntRange("units", 8, 512, log=True), "8..512 log"),
        (FloatRange("dropout", 0.0, 0.3), "0.0..0.3"),
        (FloatRange("lr", 1e-4, 1e-2, log=True), "0.0001..0.01 log"),
        (FloatRange("dropout", 0.0, 0.5, step=0.1), "0.0..0.5 step 0.1"),
        (Categorical("flags", (True, False, "relu")), "true, false, relu"),
    ],
)
def test_text_form(param, text):
    assert param_to_text(param) == text


def test_range_kind_follows_the_literals_unless_hinted_float():
    assert param_from_text("n", "0..1") == IntRange("n", 0, 1)
    assert param_from_text("n", "0..1", "int") == IntRange("n", 0, 1)
    assert param_from_text("scale", "0..1", "float") == FloatRange("scale", 0.0, 1.0)
    assert param_from_text("n", "0..1.0") == FloatRange("n", 0.0, 1.0)
    assert param_from_text("n", "0..10 step 0.5") == FloatRange("n", 0.0, 10.0, step=0.5)
    assert param_from_text("n", "  1e-3 .. 1e-1  log ") == FloatRange("n", 1e-3, 1e-1, log=True)
    assert param_from_text("n", "0..1", "categorical") == IntRange("n", 0, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("..5", "both bounds"),
        ("5..", "both bounds"),
        ("..", "both bounds"),
        ("a..b", "low must be a number"),
        ("1..b", "high must be a number"),
        ("8, 16, 8", "must not repeat"),
        ("8, , 16", "empty choice"),
        ("8, 16,", "empty choice"),
        ("0.5..0.1", "must not exceed"),
        ("64..4", "must not exceed"),
        ("0..1 log", "log range needs low > 0"),
        ("-1.0..1.0 log", "log range needs low > 0"),
        ("1..9 step", "'step' needs a number"),
        ("1..9 step x", "step must be a number"),
        ("1..9 step 0", "step must be positive"),
        ("1..9 step 2 log", "cannot be combined"),
        ("1..9 fast", "unexpected 'fast'"),
        ("1..9 log log", "unexpected 'log'"),
        ('"open, 3', "unclosed quote"),
        ('"a" "b"', "expected ','"),
        ("1e999..2e999", "finite number"),
    ],
)
def test_bad_text_raises_one_line_usage_error(text, expected):
    with pytest.raises(UsageError) as caught:
        param_from_text("dropout", text, "float" if "." in text else None)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("space: parameter 'dropout'")
    assert expected in message


def test_errors_match_the_space_file_rules():
    """The text form reports the same message a space file with the same table would."""
    with pytest.raises(UsageError) as from_text:
        param_from_text("dropout", "0.5..0.1")
    data = SINGLE_CONV.to_dict() | {"params": {"dropout": {"type": "float", "low": 0.5, "high": 0.1}}}
    with pytest.raises(UsageError) as from_file:
        SearchSpace.from_dict(data, source="space")
    assert str(from_text.value) == str(from_file.value)


def test_space_with_param_replaces_in_place():
    new = param_from_text("num_filters", "8, 16, 32, 64")
    space = space_with_param(SINGLE_CONV, new)
    assert space.names == SINGLE_CONV.names
    assert space.params[0] == Categorical("num_filters", (8, 16, 32, 64))
    assert space.params[1:] == SINGLE_CONV.params[1:]
    assert (space.name, space.model) == (SINGLE_CONV.name, SINGLE_CONV.model)


def test_space_with_param_rejects_an_unknown_name():
    with pytest.raises(UsageError, match="no parameter 'width'"):
        space_with_param(SINGLE_CONV, IntRange("width", 1, 2))


def test_space_with_param_keeps_the_replaced_params_requires():
    from tinynas_tui.core.space import BLOCKS

    new = param_from_text("dense_units", param_to_text(BLOCKS.params[4]) + ", 1024")
    assert new.requires is None  # the text form does not carry it
    space = space_with_param(BLOCKS, new)
    assert space.params[4] == Categorical("dense_units", (64, 128, 256, 512, 1024), requires="n_dense")
    assert space.params[:4] == BLOCKS.params[:4] and space.params[5:] == BLOCKS.params[5:]
    ranged = space_with_param(BLOCKS, param_from_text("dense_units", "32..256 step 32"))
    assert ranged.params[4] == IntRange("dense_units", 32, 256, step=32, requires="n_dense")
    widened = space_with_param(BLOCKS, param_from_text("separable", "false, true"))
    assert widened.params[5] == Categorical("separable", (False, True))
    assert widened.params[4].requires == "n_dense"
