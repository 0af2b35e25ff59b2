"""Per-stage seconds of trials run in-process through the pipeline (prepare once, run_trial N times).

The seed-000 search on mnist-5k (4,000 / 1,000, 1 epoch, int8, single-conv): parameters are drawn
from the seed's space with a fixed random generator, so two runs of this script train the same N
models. Prints each trial's stage seconds, then the median per stage over the trials after the first
(the first pays one-time tracing and library warm-up) and the first trial's figures apart.
``trial_cpu`` is the process CPU time of a trial (all threads), steadier than wall time on a busy
machine. With ``--breakdown`` each trial's model is measured again, one measurement at a time, to
split the ``measure`` stage.

Usage:
    python bench/trial_stages.py [--trials N] [--threads T [--inter I]] [--breakdown] [--seed S]
        [--set representative_samples=50 ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SEED_SPACE = {
    "num_filters": [8, 16, 32],
    "kernel_size": [3, 5],
    "dense_units": [32, 64, 128],
    "batch_size": [16, 32],
}


def seed_params(rng) -> dict:
    """One configuration of the seed's space (dropout uniform, lr log-uniform)."""
    params = {k: v[int(rng.integers(len(v)))] for k, v in SEED_SPACE.items()}
    params["dropout"] = float(rng.uniform(0.0, 0.3))
    params["lr"] = float(10 ** rng.uniform(-4, -2))
    return params


def parse_overrides(items: list[str]) -> dict:
    """``key=value`` pipeline overrides; values parsed as int, float, bool or text."""
    out = {}
    for item in items:
        key, _, text = item.partition("=")
        value: object = text
        for cast in (int, float):
            try:
                value = cast(text)
                break
            except ValueError:
                pass
        if text in ("true", "false"):
            value = text == "true"
        out[key] = value
    return out


def breakdown(tflite: bytes, data, cfg) -> dict[str, float]:
    """Seconds of each measurement of the ``measure`` stage, run again on the same model."""
    from tinynas_tui.pipeline import measure, sparsity

    steps = {
        "m.accuracy": lambda: measure.tflite_accuracy(tflite, data.x_test, data.y_test, cfg.eval_batch_size),
        "m.latency": lambda: measure.tflite_latency_ms(tflite, cfg.latency_runs, cfg.latency_warmup),
        "m.arena": lambda: measure.tflm_arena_bytes(tflite),
        "m.int8_report": lambda: measure.int8_report(tflite),
        "m.sparsity+gzip": lambda: (sparsity.tflite_weight_sparsity(tflite), sparsity.gzip_size(tflite)),
    }
    out = {}
    for name, step in steps.items():
        started = time.perf_counter()
        step()
        out[name] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None, help="TensorFlow threads (default: TF's own)")
    parser.add_argument("--inter", type=int, default=None, help="inter-op threads (default: configure_threads')")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="pipeline override")
    parser.add_argument("--breakdown", action="store_true", help="time each measurement apart")
    parser.add_argument("--seed", type=int, default=0, help="parameter sampling seed")
    args = parser.parse_args()

    import numpy as np

    from tinynas_tui.executor.protocol import TrialRequest, WorkerConfig
    from tinynas_tui.core.pipeline_config import PRESETS
    from tinynas_tui.pipeline.threads import configure_threads
    from tinynas_tui.pipeline.trial import prepare, run_trial

    pipeline = PRESETS["quick"].with_overrides(**parse_overrides(args.set))
    rng = np.random.default_rng(args.seed)
    rows: list[dict[str, float]] = []
    started_all = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        config = WorkerConfig(dataset={"name": "mnist-5k"}, pipeline=pipeline.to_dict(), model="single-conv",
                              scratch_dir=scratch, threads=args.threads)
        started = time.perf_counter()
        configure_threads(args.threads, args.inter)
        state = prepare(config)
        print(f"prepare: {time.perf_counter() - started:.2f} s (data {state.load_seconds:.2f} s); "
              f"threads={args.threads or 'default'} inter={args.inter or 'default'}; "
              f"overrides={parse_overrides(args.set) or 'none'}")
        for number in range(args.trials):
            params = seed_params(rng)
            started, cpu = time.perf_counter(), time.process_time()
            result = run_trial(TrialRequest(number, params), state, lambda _event: None)
            row = dict(result.metrics["timings"])
            row["trial"] = time.perf_counter() - started
            row["trial_cpu"] = time.process_time() - cpu
            if args.breakdown:
                with open(result.artifacts["model.tflite"], "rb") as fh:
                    row.update(breakdown(fh.read(), state.data, pipeline))
            rows.append(row)
            print(f"trial {number}: acc={result.accuracy:.4f} float={result.metrics['float_accuracy']:.4f} "
                  f"lat={result.latency_ms:.3f}ms size={result.size_kb:.1f}KB "
                  f"arena={result.metrics.get('arena_bytes')} "
                  + " ".join(f"{k}={v:.3f}" for k, v in row.items()), flush=True)
    total = time.perf_counter() - started_all
    rest = rows[1:] or rows
    print(f"\nmedian seconds over trials 1..{len(rows) - 1} (first trial apart), {os.cpu_count()} cores:")
    for key in rows[0]:
        print(f"  {key:<16}{statistics.median(r[key] for r in rest):>8.3f}   first {rows[0][key]:.3f}")
    print(f"whole run incl. prepare: {total:.1f} s, {len(rows) / total * 60:.1f} trials/min")


if __name__ == "__main__":
    main()
