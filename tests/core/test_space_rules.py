"""A space's limits and each parameter's valid values: refused in one line by the file parser and by the
editor's text form alike (issue 14, items 7 and 11)."""

from __future__ import annotations

import pytest
from space_files import space_text

from tinynas_tui.core import space_rules
from tinynas_tui.core.space import Categorical, FloatRange, IntRange, SearchSpace
from tinynas_tui.core.space_text import param_from_text
from tinynas_tui.errors import UsageError

CHOICES = 'type = "categorical"\nchoices = '
# (parameter, its TOML table, the text the editor would hold, words of the refusal)
MEANINGLESS = [
    ("batch_size", CHOICES + "[0, 16]", "0, 16", "choice 0 is out of range; expected a whole number from 1 to 4096"),
    ("batch_size", CHOICES + "[-8]", "-8", "choice -8 is out of range"),
    ("num_filters", CHOICES + "[-4, 8]", "-4, 8", "choice -4 is out of range; expected a whole number from 1"),
    ("num_filters", 'type = "int"\nlow = -4\nhigh = 8', "-4..8", "bound -4 is out of range"),
    ("num_filters", CHOICES + "[8.5]", "8.5", "choice 8.5 is out of range; expected a whole number"),
    ("num_filters", 'type = "float"\nlow = 4.0\nhigh = 8.0', "4.0..8.0", "expected an int range"),
    ("kernel_size", CHOICES + "[0, 3]", "0, 3", "choice 0 is out of range"),
    ("dense_units", CHOICES + "[0]", "0", "choice 0 is out of range"),
    ("dropout", CHOICES + "[1.0]", "1.0", "choice 1.0 is out of range; expected a number at least 0, below 1"),
    ("dropout", 'type = "float"\nlow = 0.0\nhigh = 1.0', "0.0..1.0", "bound 1 is out of range"),
    ("dropout", 'type = "float"\nlow = -0.1\nhigh = 0.3', "-0.1..0.3", "bound -0.1 is out of range"),
    ("lr", CHOICES + "[-0.001]", "-0.001", "choice -0.001 is out of range; expected a number above 0, at most 1"),
    ("lr", 'type = "float"\nlow = 0.0\nhigh = 0.01', "0.0..0.01", "bound 0 is out of range"),
    ("lr", CHOICES + "[1000.0]", "1000.0", "choice 1000.0 is out of range"),
    ("batch_size", CHOICES + "[16, true]", "16, true", "choices mix numbers and true/false; expected one kind"),
    ("batch_size", CHOICES + '["16"]', '"16"', "choice '16' is out of range; expected a whole number"),
    ("dense_units", CHOICES + '[8, "sixteen", true, 2.5]', '8, sixteen, true, 2.5', "choices mix numbers and "
     "strings and true/false"),
    ("dense_units", CHOICES + "[1, true, 1.0]", "1, true, 1.0", "choices mix numbers and true/false"),
    ("dense_units", CHOICES + "[32, 32.0]", "32, 32.0", "choices must not repeat"),
    ("dense_units", CHOICES + "[nan]", "nan", None),  # the text form reads nan as a string
]
IDS = [f"{name}={text}" for name, _, text, _ in MEANINGLESS]


@pytest.mark.parametrize("name, table, text, words", MEANINGLESS, ids=IDS)
def test_meaningless_values_are_refused_in_a_space_file(tmp_path, name, table, text, words):
    path = tmp_path / "space.toml"
    path.write_text(space_text(**{name: table}))
    with pytest.raises(UsageError) as err:
        SearchSpace.load(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"space file {path}: parameter {name!r}: ")
    assert words is None or words in message, message


@pytest.mark.parametrize("name, table, text, words", MEANINGLESS, ids=IDS)
def test_the_editor_refuses_the_same_values(name, table, text, words):
    with pytest.raises(UsageError) as err:
        param_from_text(name, text)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"space: parameter {name!r}: ")
    assert words is None or words in message, message


def test_bools_are_not_numbers_and_equal_numbers_repeat_for_any_parameter():
    with pytest.raises(UsageError, match="choices mix numbers and true/false"):
        param_from_text("extra", "1, true")
    with pytest.raises(UsageError, match="must not repeat"):
        param_from_text("extra", "1, 1.0")
    with pytest.raises(UsageError, match="choices mix numbers and strings"):
        param_from_text("extra", "8, sixteen")
    assert param_from_text("extra", "relu, tanh") == Categorical("extra", ("relu", "tanh"))
    assert param_from_text("extra", "true, false") == Categorical("extra", (True, False))


@pytest.mark.parametrize("name, text", [("separable", "0, 1"), ("batch_norm", "0..1")])
def test_switches_take_true_or_false_only(name, text):
    with pytest.raises(UsageError, match="true or false|true, false"):
        param_from_text(name, text)


def test_the_edges_of_each_range_are_accepted():
    assert param_from_text("batch_size", "1, 4096") == Categorical("batch_size", (1, 4096))
    assert param_from_text("dropout", "0.0..0.99") == FloatRange("dropout", 0.0, 0.99)
    assert param_from_text("lr", "1e-9..1.0 log") == FloatRange("lr", 1e-9, 1.0, log=True)
    assert param_from_text("lr", "0.5, 1") == Categorical("lr", (0.5, 1))  # a float parameter takes ints
    assert param_from_text("n_dense", "0..8") == IntRange("n_dense", 0, 8)
    assert param_from_text("separable", "false, true") == Categorical("separable", (False, True))


def test_every_rule_names_its_range():
    for name, rule in space_rules.PARAM_RULES.items():
        text = rule.describe()
        assert text and "\n" not in text, name


def _space_toml(extra_params: int, choices: str = "[1, 2]") -> str:
    body = "".join(f"[params.extra_{i:06d}]\n{CHOICES}{choices}\n" for i in range(extra_params))
    return space_text() + body


def test_more_parameters_than_the_limit_are_refused(tmp_path):
    path = tmp_path / "wide.toml"
    path.write_text(_space_toml(space_rules.MAX_PARAMS - 6 + 1))  # 6 parameters of the model, one too many
    with pytest.raises(UsageError) as err:
        SearchSpace.load(path)
    assert str(err.value) == f"space file {path}: 101 parameters; a space has at most 100"


def test_more_choices_than_the_limit_are_refused(tmp_path):
    path = tmp_path / "long.toml"
    too_many = "[" + ", ".join(str(i) for i in range(1, space_rules.MAX_CHOICES + 2)) + "]"
    path.write_text(space_text(dense_units=CHOICES + too_many))
    with pytest.raises(UsageError, match=r"parameter 'dense_units': 1001 choices; a parameter has at most 1000"):
        SearchSpace.load(path)


def test_a_long_string_choice_is_refused():
    with pytest.raises(UsageError, match="at most 100 characters"):
        param_from_text("activation", "relu, " + "x" * 101)


def test_the_largest_space_within_the_limits_is_accepted(tmp_path):
    path = tmp_path / "largest.toml"
    choices = "[" + ", ".join(str(100_000 + i) for i in range(space_rules.MAX_CHOICES)) + "]"
    path.write_text(_space_toml(space_rules.MAX_PARAMS - 6, choices))
    assert path.stat().st_size <= space_rules.MAX_SPACE_FILE_BYTES
    space = SearchSpace.load(path)
    assert len(space.params) == 100 and len(space.params[-1].choices) == 1000


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(space_text() + "#" * space_rules.MAX_SPACE_FILE_BYTES + "\nthis is = not toml [")
    with pytest.raises(UsageError) as err:
        SearchSpace.load(path)
    assert "a space file has at most 1,048,576" in str(err.value)  # not "not valid TOML": never parsed
