"""The latency model on models this project builds and converts: the flatbuffer reader against the
Keras side, the pre-flight latency skip, the estimate command, and accuracy as TFLite Micro computes it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tinynas_tui.core import figures
from tinynas_tui.executor.protocol import PruneTrial, TrialRequest, WorkerConfig

pytestmark = pytest.mark.tf

SINGLE_CONV = {"num_filters": 16, "kernel_size": 5, "dense_units": 64, "dropout": 0.1, "lr": 1e-3, "batch_size": 32}
MODELS = [
    ("single-conv", SINGLE_CONV),
    ("blocks", {"n_blocks": 3, "layers_per_block": 2, "init_filters": 16, "n_dense": 1, "dense_units": 64}),
    ("blocks", {"n_blocks": 2, "layers_per_block": 1, "init_filters": 8, "n_dense": 0, "separable": True,
                "batch_norm": True}),
]
CHILD = (
    "import sys\n"
    "from tinynas_tui.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tf_keras', 'keras'))\n"
    "print('TF-IN-PARENT' if leaked else 'TF-FREE-PARENT', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def built(family, params):
    from tinynas_tui.pipeline.models import build_model

    return build_model(family, params, (28, 28, 1), 10)


def converted(model, mode="int8"):
    from tinynas_tui.pipeline.convert import convert_to_tflite

    x = np.random.default_rng(0).random((16, 28, 28, 1), dtype=np.float32)
    return convert_to_tflite(model, x, mode, representative_samples=16)


@pytest.fixture(scope="module")
def int8_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "single-conv.tflite"
    path.write_bytes(converted(built("single-conv", SINGLE_CONV)))
    return path


@pytest.mark.parametrize("family, params", MODELS, ids=["single-conv", "blocks", "blocks-separable"])
def test_the_reader_sees_the_converted_operators_with_the_keras_macs(family, params):
    from tinynas_tui.latency.tflite_reader import read_ops
    from tinynas_tui.pipeline.keras_ops import keras_ops
    from tinynas_tui.pipeline.macs import count_macs

    model = built(family, params)
    read = read_ops(converted(model))
    assert read.input_dtype == "INT8" and read.float_ops == ()
    assert read.macs == count_macs(model)
    before = keras_ops(model)  # what the pre-flight estimate costs, read off the untrained layers
    assert [(o.kind, o.input_shape, o.output_shape, o.kernel, o.stride, o.depth_multiplier) for o in before] == \
           [(o.kind, o.input_shape, o.output_shape, o.kernel, o.stride, o.depth_multiplier) for o in read.ops]
    if params.get("separable"):
        assert [o.kind for o in read.ops][:2] == ["DEPTHWISE_CONV_2D", "CONV_2D"]


def test_a_float_model_is_refused_by_the_estimate(tmp_path):
    from tinynas_tui.latency.estimate import estimate_tflite
    from tinynas_tui.latency.tflite_reader import ModelError

    dynamic = converted(built("single-conv", SINGLE_CONV), mode="dynamic")
    with pytest.raises(ModelError, match="not an int8 model"):
        estimate_tflite(dynamic, "cortex-m4", 64)
    path = tmp_path / "float.tflite"
    path.write_bytes(dynamic)
    run = subprocess.run([sys.executable, "-m", "tinynas_tui", "estimate", str(path)], capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "not an int8 model" in run.stderr


def test_estimate_prints_every_operator_and_the_total_without_tensorflow(int8_file):
    run = subprocess.run([sys.executable, "-c", CHILD, "estimate", str(int8_file), "--target", "nucleo-l4r5zi"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "TF-FREE-PARENT" in run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "op", "output"]
    kinds = [line.split()[1] for line in lines[1:] if line.split()[0].isdigit()]
    assert kinds == ["CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
    total = next(line for line in lines if line.startswith("total:"))
    assert "on nucleo-l4r5zi (Cortex-M4, 120 MHz)" in total and total.split(" = ")[1].split()[1] == "ms"
    assert any("an estimate" in line for line in lines)


def test_estimate_json_has_the_totals_and_one_entry_per_operator(int8_file):
    from tinynas_tui.cli import main

    run = subprocess.run([sys.executable, "-m", "tinynas_tui", "estimate", str(int8_file), "--core", "cortex-m7",
                          "--clock-mhz", "480", "--json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {"latency_ms", "cycles", "core", "clock_mhz", "ops"} <= set(data)
    assert data["core"] == "cortex-m7" and data["clock_mhz"] == 480
    assert len(data["ops"]) == 6 and data["latency_ms"] == pytest.approx(data["cycles"] / 480e3, rel=1e-3)
    assert main(["estimate", str(int8_file), "--core", "cortex-m7"]) == 2  # the clock is needed too


def test_a_model_over_the_latency_budget_is_pruned_before_any_training(tmp_path, monkeypatch):
    import tf_keras as keras

    from tinynas_tui.pipeline.trial import prepare, run_trial

    fits = []
    original = keras.Model.fit
    monkeypatch.setattr(keras.Model, "fit", lambda self, *a, **k: fits.append(1) or original(self, *a, **k))
    config = WorkerConfig(dataset={"name": "mnist-5k", "train_samples": 200, "test_samples": 50, "seed": 0},
                          model="single-conv", scratch_dir=str(tmp_path), budgets={"max_latency_ms": 5.0},
                          latency={"board": "m4-1m", "core": "cortex-m4", "clock_mhz": 64})
    state = prepare(config)
    with pytest.raises(PruneTrial) as pruned:
        run_trial(TrialRequest(0, SINGLE_CONV), state, lambda event: None)
    assert fits == []
    assert pruned.value.stage == "preflight" and "latency budget is 5 ms" in pruned.value.reason
    estimated = pruned.value.metrics[figures.EST_LATENCY_MS]
    assert estimated > 5.0
    # The same model under a budget it meets trains, and its converted model's estimate is the pre-flight one.
    state.budgets = type(state.budgets)(max_latency_ms=estimated * 2)
    finished = run_trial(TrialRequest(1, SINGLE_CONV), state, lambda event: None)
    assert fits and finished.latency_ms == pytest.approx(estimated, rel=1e-6)
    assert finished.metrics[figures.LATENCY_BOARD] == "m4-1m (Cortex-M4, 64 MHz)"
    assert finished.metrics[figures.HOST_LATENCY_MS] < finished.latency_ms


def test_the_recorded_accuracy_is_what_tflite_micro_computes_on_a_compress_model(tmp_path):
    from tflite_micro.python.tflite_micro import runtime

    from tinynas_tui.core.dataset_spec import DatasetSpec
    from tinynas_tui.pipeline.datasets import load_dataset
    from tinynas_tui.pipeline.measure import quantize_input, tflite_accuracy
    from tinynas_tui.pipeline.prune import prune_and_finetune
    from tinynas_tui.pipeline.qat import quantization_aware_train
    import tf_keras as keras

    # Seeded: this model's LiteRT XNNPACK outputs differ from TFLM's on 30-60 of the 300 test images
    # (8-43 predictions), so an accuracy measured that way would not be TFLM's.
    keras.utils.set_random_seed(0)
    data = load_dataset(DatasetSpec("mnist-5k", train_samples=600, test_samples=300, seed=0))
    model = built("blocks", {"n_blocks": 2, "layers_per_block": 1, "init_filters": 16, "n_dense": 1,
                             "dense_units": 32, "lr": 0.005})
    model.fit(data.x_train, data.y_train, epochs=1, batch_size=32, verbose=0)
    model = prune_and_finetune(model, data.x_train, data.y_train, initial_sparsity=0.5, final_sparsity=0.8,
                               epochs=1, batch_size=32, learning_rate=0.001)
    model = quantization_aware_train(model, data.x_train, data.y_train, epochs=1, batch_size=32,
                                     preserve_sparsity=True)
    from tinynas_tui.pipeline.convert import convert_to_tflite

    tflite = convert_to_tflite(model, data.x_train, "int8", representative_samples=100)
    interpreter = runtime.Interpreter.from_bytes(tflite, arena_size=4 * 2**20)
    details = interpreter.get_input_details(0)
    predictions = []
    for image in data.x_test:
        interpreter.set_input(quantize_input(image[None], details), 0)
        interpreter.invoke()
        predictions.append(int(np.argmax(interpreter.get_output(0))))
    tflm = float(np.mean(np.asarray(predictions) == data.y_test))
    assert tflite_accuracy(tflite, data.x_test, data.y_test) == tflm


def test_an_ethos_u_board_trial_is_compiled_by_vela_and_exported_with_its_model(tmp_path):
    from tinynas_tui.pipeline.trial import prepare, run_trial

    config = WorkerConfig(dataset={"name": "mnist-5k", "train_samples": 200, "test_samples": 50, "seed": 0},
                          model="single-conv", scratch_dir=str(tmp_path),
                          latency={"board": "ethos-u55-128", "core": "cortex-m55", "clock_mhz": 500,
                                   "npu": "ethos-u55-128"})
    finished = run_trial(TrialRequest(0, SINGLE_CONV), prepare(config), lambda event: None)
    report = finished.metrics[figures.NPU_REPORT]
    assert report["accelerator"] == "ethos-u55-128" and report["npu_ops"] > 0 and report["cpu_ops"] == 0
    assert finished.latency_ms == pytest.approx(report["inference_ms"]) and 0 < finished.latency_ms < 10
    assert finished.metrics[figures.ARENA_BYTES] == round(report["sram_kib"] * 1024)
    vela_path = finished.artifacts[figures.VELA_ARTIFACT]
    from tinynas_tui.latency.tflite_reader import read_ops

    assert [op.kind for op in read_ops(open(vela_path, "rb").read()).ops] == ["CUSTOM:ethos-u"]


def test_estimate_on_an_ethos_u_board_prints_vela_s_figures(int8_file):
    run = subprocess.run([sys.executable, "-m", "tinynas_tui", "estimate", str(int8_file), "--target",
                          "ethos-u55-128", "--json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["npu"]["accelerator"] == "ethos-u55-128" and data["ops"][0]["op"] == "CUSTOM:ethos-u"
    assert data["latency_ms"] == pytest.approx(data["cycles"] / (data["clock_mhz"] * 1e3), rel=0.02)


def test_without_vela_an_ethos_u_board_is_one_line(monkeypatch, capsys, int8_file, tmp_path):
    import importlib.util

    from tinynas_tui.cli import main

    monkeypatch.chdir(tmp_path)  # a refusal writes nothing; if it did not refuse, not in the checkout
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name.startswith("ethosu") else real(name, *a))
    assert main(["estimate", str(int8_file), "--target", "ethos-u55-128"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install -e ".[npu]"' in err
    assert main(["--headless", "--target", "ethos-u55-128", "--trials", "1"]) == 2
    assert 'pip install -e ".[npu]"' in capsys.readouterr().err
