"""The name of the study a space edit starts: after what changed, short, free, within the storage's limit."""

from __future__ import annotations

from dataclasses import replace

from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.core.space import SINGLE_CONV, Categorical, FloatRange
from tinynas_tui.core.study_names import MAX_NAME, MAX_SUFFIX, changes, edited_name, free_name
from tinynas_tui.search.study import MAX_NAME_LENGTH


def with_param(space, param):
    return replace(space, params=tuple(param if p.name == param.name else p for p in space.params))


def test_a_changed_choice_and_epochs_name_the_new_study():
    space = with_param(SINGLE_CONV, Categorical("num_filters", (8, 32)))
    changed = changes(SINGLE_CONV, space, PipelineConfig(), PipelineConfig(epochs=3))
    assert changed == ["num_filters=8,32", "epochs=3"]
    assert edited_name("mnist-5k-single-conv-quick", changed) == "mnist-5k-single-conv-quick-num_filters=8,32-epochs=3"


def test_a_range_and_a_switch_read_short():
    space = with_param(SINGLE_CONV, FloatRange("lr", 0.001, 0.1, log=True))
    assert changes(SINGLE_CONV, space, PipelineConfig(), PipelineConfig(prune=True)) == ["lr=0.001..0.1", "prune=on"]


def test_many_changes_are_capped_with_a_count_of_the_rest():
    changed = [f"param_{i}=1,2,3" for i in range(10)]
    name = edited_name("s", changed)
    assert name.startswith("s-param_0=1,2,3-param_1=1,2,3")
    suffix = name[len("s"):]
    assert len(suffix.split("-and-")[0]) <= MAX_SUFFIX and name.endswith("-and-8-more")


def test_one_very_long_change_is_cut():
    name = edited_name("s", ["x" * 300])
    assert name == "s-" + "x" * (MAX_SUFFIX - 1)


def test_a_long_old_name_is_cut_so_the_new_one_fits_the_storage():
    assert MAX_NAME == MAX_NAME_LENGTH
    name = free_name(edited_name("s" * MAX_NAME, ["epochs=3"]), [])
    assert len(name) <= MAX_NAME and name.endswith("-epochs=3")
    taken = [name] + [f"{name}-{n}" for n in range(2, 999)]
    assert len(free_name(name, taken)) <= MAX_NAME  # room left for the number


def test_a_taken_name_gets_the_next_number():
    assert free_name("s-epochs=3", ["s-epochs=3", "s-epochs=3-2"]) == "s-epochs=3-3"
    assert free_name("s-epochs=3", ["s"]) == "s-epochs=3"
