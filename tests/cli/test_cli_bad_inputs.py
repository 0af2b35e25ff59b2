"""Bad files and values, for real: each is refused in one line with exit code 2, headless and in UI mode,
before anything is written (no runs folder, no database, no cache)."""

from __future__ import annotations

import numpy as np
import pytest
from space_files import space_text

from tinynas_tui.cli import main


def _good_arrays(n_train: int = 40, n_test: int = 12, classes: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (n_train, 8, 8), dtype=np.uint8),
        "y_train": np.arange(n_train) % classes,
        "x_test": rng.integers(0, 256, (n_test, 8, 8), dtype=np.uint8),
        "y_test": np.arange(n_test) % classes,
    }


def _bad_npz_files() -> dict[str, dict[str, np.ndarray]]:
    good = _good_arrays()
    return {
        "mismatched.npz": {**good, "y_train": good["y_train"][:-1]},
        "rank2.npz": {**good, "x_train": good["x_train"].reshape(40, 64)},
        "rank5.npz": {**good, "x_train": good["x_train"].reshape(40, 8, 8, 1, 1)},
        "negative.npz": {**good, "y_train": good["y_train"] - 1},
        "fractional.npz": {**good, "y_train": good["y_train"] + 0.5},
        "huge-label.npz": {**good, "y_train": np.where(good["y_train"] == 3, 10**9, good["y_train"])},
        "from-one.npz": {**good, "y_train": good["y_train"] + 1, "y_test": good["y_test"] + 1},
        "test-outside.npz": {**good, "y_test": good["y_test"] + 4},
        "widths-differ.npz": {**good, "y_test": np.eye(10)[good["y_test"]]},
        "labels-n0.npz": {**good, "y_train": np.zeros((40, 0))},
        "labels-n11.npz": {**good, "y_train": good["y_train"].reshape(40, 1, 1)},
        "labels-pairs.npz": {**good, "y_train": np.stack([good["y_train"], good["y_train"] + 3], axis=1)},
        "zero-width.npz": {**good, "x_train": np.zeros((40, 0, 28), np.uint8), "x_test": np.zeros((12, 0, 28), np.uint8)},
        "tiny-1x1.npz": {**good, "x_train": good["x_train"][:, :1, :1], "x_test": good["x_test"][:, :1, :1]},
        "tiny-1x5000.npz": {**good, "x_train": np.zeros((40, 1, 5000), np.uint8),
                            "x_test": np.zeros((12, 1, 5000), np.uint8)},
        "tiny-4x4.npz": {**good, "x_train": good["x_train"][:, :4, :4], "x_test": good["x_test"][:, :4, :4]},
        "no-samples.npz": {**good, "x_train": good["x_train"][:0], "y_train": good["y_train"][:0]},
        "no-labels.npz": {**good, "y_test": good["y_test"][:0]},
        "nan-images.npz": {**good, "x_train": np.where(good["x_train"] == 7, np.nan, good["x_train"] / 255.0)},
        "inf-images.npz": {**good, "x_test": np.where(good["x_test"] == 7, np.inf, good["x_test"] / 255.0),
                           "x_train": good["x_train"] / 255.0},
    }


BAD_TEXT_FILES = {
    "space-low-above-high.toml": space_text(dropout='type = "float"\nlow = 0.5\nhigh = 0.1'),
    "space-empty-choices.toml": space_text(num_filters='type = "categorical"\nchoices = []'),
    "space-unknown-key.toml": space_text('colour = "red"\n'),
    "space-unknown-param-key.toml": space_text(kernel_size='type = "categorical"\nchoices = [3]\nstride = 2'),
    "space-negative-lr.toml": space_text(lr='type = "float"\nlow = -0.01\nhigh = -0.001'),
    "space-mixed-choices.toml": space_text(dense_units='type = "categorical"\nchoices = [8, "sixteen", true, 2.5]'),
    "pipeline-sparsity.toml": "prune = true\nprune_initial_sparsity = 0.9\nprune_final_sparsity = 0.5\n",
    "pipeline-unknown-key.toml": 'colour = "red"\n',
    "pipeline-typo.toml": "epoch = 3\n",
    "pipeline-stage-table.toml": "distill = true\n[distill_stage]\nepochs = 4\n",
}

BAD_INPUTS = [
    (["--dataset", "pickled.npz"], "pickled.npz: x_train holds pickled objects, which are never loaded"),
    (["--dataset", "mismatched.npz"],
     "mismatched.npz: x_train has 40 images but y_train has 39 labels; expected one label per image"),
    (["--dataset", "rank2.npz"],
     "rank2.npz: x_train has rank 2, shape (40, 64); expected images shaped (N, H, W) or (N, H, W, C)"),
    (["--dataset", "rank5.npz"], "rank5.npz: x_train has rank 5, shape (40, 8, 8, 1, 1); expected images"),
    (["--dataset", "negative.npz"], "negative.npz: y_train has negative label -1; expected class indices 0 or more"),
    (["--dataset", "fractional.npz"],
     "fractional.npz: y_train holds non-integer label 0.5; expected whole-number class indices"),
    (["--dataset", "huge-label.npz"],
     "huge-label.npz: y_train has label 1000000000; expected class indices below 1000 (at most 1000 classes)"),
    (["--dataset", "from-one.npz"],
     "from-one.npz: y_train has no sample of class 0, though its classes run 0..4; expected every class"),
    (["--dataset", "test-outside.npz"],
     "test-outside.npz: y_test has label 7 but y_train's classes are 0..3; expected test labels among"),
    (["--dataset", "widths-differ.npz"],
     "widths-differ.npz: y_test is one-hot with 10 columns but y_train has 4 classes"),
    (["--dataset", "labels-n0.npz"],
     "labels-n0.npz: y_train has shape (40, 0); expected labels shaped (N,), (N, 1) or one-hot (N, K)"),
    (["--dataset", "labels-n11.npz"], "labels-n11.npz: y_train has shape (40, 1, 1); expected labels shaped (N,)"),
    (["--dataset", "labels-pairs.npz"],
     "labels-pairs.npz: y_train is shaped (40, 2) but its rows are not one-hot; expected a single 1 in each row"),
    (["--dataset", "zero-width.npz"],
     "zero-width.npz: x_train's images are shaped (0, 28), which holds no pixel; expected images of at least 1"),
    (["--dataset", "tiny-1x1.npz"],
     "tiny-1x1.npz: no model of space 'single-conv' can be built on 1x1 images: a single-conv model (a 3x3 "
     "convolution, then 2x2 pooling) needs images of at least 4x4; expected larger images, or the blocks space"),
    (["--dataset", "tiny-1x5000.npz"], "tiny-1x5000.npz: no model of space 'single-conv' can be built on 1x5000"),
    (["--dataset", "tiny-4x4.npz"],
     "tiny-4x4.npz: the models of space 'single-conv' with kernel_size 5 cannot be built on 4x4 images"),
    (["--dataset", "no-samples.npz"], "no-samples.npz: x_train is empty; expected at least one sample"),
    (["--dataset", "no-labels.npz"], "no-labels.npz: x_test has 12 images but y_test has 0 labels"),
    (["--dataset", "nan-images.npz"], "nan-images.npz: x_train contains NaN or infinite values"),
    (["--dataset", "inf-images.npz"], "inf-images.npz: x_test contains NaN or infinite values"),
    (["--space", "space-low-above-high.toml"],
     "space file space-low-above-high.toml: parameter 'dropout': low (0.5) must not exceed high (0.1)"),
    (["--space", "space-empty-choices.toml"],
     "space file space-empty-choices.toml: parameter 'num_filters': choices is empty; expected a non-empty list"),
    (["--space", "space-unknown-key.toml"],
     "space file space-unknown-key.toml: unknown key(s) colour; expected model, name, params"),
    (["--space", "space-unknown-param-key.toml"],
     "parameter 'kernel_size': unknown key(s) stride; expected choices, requires, type"),
    (["--space", "space-negative-lr.toml"],
     "parameter 'lr': bound -0.01 is out of range; expected a number above 0, at most 1"),
    (["--space", "space-mixed-choices.toml"],
     "parameter 'dense_units': choices mix numbers and strings and true/false; expected one kind"),
    (["--pipeline", "pipeline-sparsity.toml"],
     "pipeline file pipeline-sparsity.toml: prune_final_sparsity must be at least prune_initial_sparsity (0.9)"),
    (["--pipeline", "pipeline-unknown-key.toml"],
     "pipeline file pipeline-unknown-key.toml: unknown key(s) 'colour'; expected settings: name, epochs,"),
    (["--pipeline", "pipeline-typo.toml"], "unknown key(s) 'epoch' (did you mean 'epochs'?)"),
    (["--screen-epochs", "1"], "screen_epochs (1) must be fewer than epochs (1): the screen is the first part"),
    (["--screen-epochs", "2", "--epochs", "4", "--pipeline", "compress"], "distill trains instead; turn one off"),
    (["--pipeline", "pipeline-stage-table.toml"],
     "[distill_stage] is a table, but a pipeline file has no tables; expected each setting at the top level"),
    (["--weights=100,abc,0.1"], "--weights: SIZE 'abc' is not a number; expected three numbers ACC,SIZE,LATENCY"),
    (["--weights=100,0.01"], "--weights '100,0.01' has 2 values; expected three numbers ACC,SIZE,LATENCY"),
    (["--weights=1,2,3,4"], "--weights '1,2,3,4' has 4 values"),
    (["--weights=nan,0.01,0.1"], "--weights: ACC 'nan' is not finite; expected finite numbers, 0 or more"),
    (["--weights=100,inf,0.1"], "--weights: SIZE 'inf' is not finite"),
    (["--weights=100,0.01,-1"], "--weights: LATENCY '-1' is negative; expected numbers 0 or more"),
    (["--target", "pdp11"], "unknown target 'pdp11': expected one of m0plus-256k, m4-256k, m4-1m, m7-1m"),
]
IDS = [" ".join(args) for args, _ in BAD_INPUTS]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working folder holding every bad file; the cache points inside it so a write would show."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name, arrays in _bad_npz_files().items():
        np.savez(tmp_path / name, **arrays)
    pickled = {**_good_arrays(), "x_train": np.array([{"a": 1}] * 40, dtype=object)}
    np.savez(tmp_path / "pickled.npz", **pickled, allow_pickle=True)
    for name, text in BAD_TEXT_FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _tree(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _assert_refused(workdir, capsys, argv: list[str], words: str) -> None:
    before = _tree(workdir)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("tinynas-tui: ") and err.count("\n") == 1, err
    assert words in err
    assert "Traceback" not in err
    assert _tree(workdir) == before  # no runs folder, no database, no cache


@pytest.mark.parametrize("args, words", BAD_INPUTS, ids=IDS)
def test_headless_refuses_bad_input_in_one_line(workdir, capsys, args, words):
    _assert_refused(workdir, capsys, ["--headless", *args], words)


@pytest.mark.parametrize("args, words", BAD_INPUTS, ids=IDS)
def test_ui_mode_refuses_bad_input_before_opening_a_screen(workdir, capsys, monkeypatch, args, words):
    def must_not_open(*args, **kwargs):
        raise AssertionError("the input passed validation: the UI mode went on to open the study and the app")

    monkeypatch.setattr("tinynas_tui.run.engine.OptunaEngine", must_not_open)
    monkeypatch.setattr("tinynas_tui.tui.factory.create_app", must_not_open)
    _assert_refused(workdir, capsys, list(args), words)


def test_the_ui_takes_confirm_and_hands_it_to_the_app(workdir, capsys, monkeypatch):
    """The UI confirms the front as a headless run does: ``--confirm K --confirm-repeats R`` reach the app."""
    opened = []
    monkeypatch.setattr("tinynas_tui.run.engine.OptunaEngine", lambda validated: validated)
    monkeypatch.setattr("tinynas_tui.tui.factory.create_app", lambda *args, **kwargs: opened.append(kwargs) or _NoApp())
    assert main(["--confirm", "2", "--confirm-repeats", "4", "--paused"]) == 0
    assert main(["--paused"]) == 0
    assert [(k["confirm_top"], k["confirm_repeats"]) for k in opened] == [(2, 4), (0, 2)]


class _NoApp:
    def run(self) -> None:
        pass


def test_confirm_options_are_checked_by_validate_too():
    from tinynas_tui.errors import UsageError
    from tinynas_tui.run.options import RunOptions, validate

    with pytest.raises(UsageError, match="--confirm must be 0 or more"):
        validate(RunOptions(confirm=-1))
    with pytest.raises(UsageError, match="--confirm-repeats must be positive, got 0"):
        validate(RunOptions(confirm=1, confirm_repeats=0))
    assert validate(RunOptions(confirm=3, confirm_repeats=1)).options.confirm == 3


def test_the_unbroken_inputs_pass_validation(workdir):
    """Each bad input differs from these by one change, so each refusal above is down to that change."""
    from tinynas_tui.run.options import RunOptions, validate

    np.savez(workdir / "good.npz", **_good_arrays())
    (workdir / "good-space.toml").write_text(space_text())
    (workdir / "good-pipeline.toml").write_text("prune = true\nprune_initial_sparsity = 0.5\nepochs = 3\n")
    before = _tree(workdir)
    run = validate(RunOptions(dataset="good.npz", space="good-space.toml", pipeline="good-pipeline.toml",
                              weights="100,0.01,0.1", target="m4-1m"))
    assert run.dataset.is_npz and run.space.model == "single-conv" and run.pipeline.epochs == 3
    assert run.budgets.max_flash_kb == 1024
    good = _good_arrays()
    np.savez(workdir / "column.npz", **{**good, "y_train": good["y_train"].reshape(-1, 1)})
    np.savez(workdir / "one-hot.npz", **{**good, "y_train": np.eye(4)[good["y_train"]], "y_test": np.eye(4)[good["y_test"]]})
    np.savez(workdir / "two-classes.npz", **{**good, "y_train": np.eye(2)[good["y_train"] % 2],
                                             "y_test": good["y_test"] % 2})
    before = _tree(workdir)
    for name in ("column.npz", "one-hot.npz", "two-classes.npz"):  # (N, 1), (N, K) and (N, 2) one-hot
        assert validate(RunOptions(dataset=name)).dataset.is_npz
    assert validate(RunOptions(dataset="tiny-1x1.npz", space="blocks")).space.model == "blocks"
    assert _tree(workdir) == before


def test_a_space_file_of_200000_parameters_is_refused_at_once(tmp_path):
    """A 12 MB space file: exit 2 and one line naming the limit, from the real CLI, well within a deadline
    (before the limit, validating it alone took ~10 s and no trial had started after 300 s)."""
    import subprocess
    import sys

    path = tmp_path / "huge.toml"
    with open(path, "w") as fh:
        fh.write(space_text())
        for i in range(200_000 - 6):
            fh.write(f'[params.extra_{i:06d}]\ntype = "categorical"\nchoices = [1, 2]\n')
    before = _tree(tmp_path)
    done = subprocess.run([sys.executable, "-m", "tinynas_tui", "--headless", "--space", str(path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert "a space file has at most 1,048,576 (at most 100 parameters of 1000 choices)" in done.stderr
    assert _tree(tmp_path) == before
