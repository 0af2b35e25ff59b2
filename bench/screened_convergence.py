"""Does screening pay when the promoted candidates train to convergence? Real searches at equal wall time.

The README's preset search (``--space mcu --pipeline converge`` inside 32 KiB flash, a 16 KiB TFLM arena
and 50 ms on m4-1m) is run as it is and with ``--screen-epochs N`` (the screen holds out early stopping's
part; a promoted candidate trains on until it stops improving), each for the same wall time and with
the same sampler seeds, one run after another so that both see the machine alike. Printed, at each
checkpoint of wall time since the run's first trial started: the hypervolume of the trials within every
budget (the study's reference: the flash and latency budgets), the best int8 accuracy within them, and
how many trials completed and were held back at the screen.

Usage:
    python bench/screened_convergence.py [--minutes 8] [--seeds 2] [--screen-epochs 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PRESET = ["--space", "mcu", "--pipeline", "converge", "--target", "m4-1m", "--max-flash-kb", "32",
          "--max-ram-kb", "16", "--max-latency-ms", "50"]


def run_search(folder: str, study: str, seed: int, extra: list[str], seconds: float, jobs: int) -> None:
    """One headless search, stopped (Ctrl-C, as a user would) once ``seconds`` have passed."""
    command = [sys.executable, "-m", "tinynas_tui", "--headless", *PRESET, "--trials", "1000", "--seed", str(seed),
               "--jobs", str(jobs), "--study", study, "--runs-dir", f"{folder}/runs", *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)


def timeline(storage: str, study: str, checkpoints: list[float]) -> list[dict]:
    """At each checkpoint (seconds since the first trial started): the hypervolume and best accuracy of the
    trials complete by then within every budget, and the trials complete and screened out."""
    import optuna

    from tinynas_tui.core import hypervolume as hv

    loaded = optuna.load_study(study_name=study, storage=storage)
    trials = loaded.get_trials(deepcopy=False)
    reference = hv.stored_or_derived(loaded.user_attrs)
    start = min(t.datetime_start for t in trials if t.datetime_start)
    out = []
    for at in checkpoints:
        done = [t for t in trials if t.datetime_complete and (t.datetime_complete - start).total_seconds() <= at]
        complete = [t for t in done if t.state.name == "COMPLETE"]
        feasible = [t for t in complete if all(c <= 0 for c in t.system_attrs.get("constraints", []))]
        out.append({"hv": hv.of_values([t.values for t in feasible], reference) if feasible else 0.0,
                    "best": max((t.values[0] for t in feasible), default=0.0), "complete": len(complete),
                    "screened_out": sum(1 for t in done if t.state.name == "PRUNED"
                                        and str(t.user_attrs.get("screen_verdict", "")).startswith("dominated"))})
    return out


def cell(at: dict) -> str:
    return f"HV {at['hv']:.4f} best {at['best']:.4f} n {at['complete']:.0f}/{at['screened_out']:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--screen-epochs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--storage-dir", help="keep the studies here (default: a temporary folder)")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    seconds = args.minutes * 60
    checkpoints = [seconds * k / 4 for k in (1, 2, 3, 4)]
    variants = {"converge": [], f"converge --screen-epochs {args.screen_epochs}":
                ["--screen-epochs", str(args.screen_epochs)]}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.storage_dir or tmp
        storage = f"sqlite:///{folder}/runs/tinynas.db"
        results: dict[str, list[list[dict]]] = {name: [] for name in variants}
        for seed in range(args.seeds):
            for index, (name, extra) in enumerate(variants.items()):
                study = f"screened-convergence-{index}-{seed}"
                began = time.monotonic()
                run_search(folder, study, seed, extra, seconds, args.jobs)
                results[name].append(timeline(storage, study, checkpoints))
                print(f"seed {seed}, {name}: {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    print(f"mcu / converge on mnist-5k, budgets 32 KiB / 16 KiB / 50 ms on m4-1m, --jobs {args.jobs}, "
          f"{args.seeds} seed(s), {args.minutes:g} min each")
    print(f"{'run':<40} " + "  ".join(f"{f'at {c / 60:g} min':<32}" for c in checkpoints))
    for name, runs in results.items():
        rows = [(f"{name}, seed {seed}", run) for seed, run in enumerate(runs)]
        mean = [{key: statistics.fmean(run[k][key] for run in runs) for key in runs[0][k]}
                for k in range(len(checkpoints))]
        for label, run in [*rows, (f"{name}, mean", mean)]:
            print(f"{label:<40} " + "  ".join(f"{cell(a):<32}" for a in run))
    print("(HV: hypervolume of the trials within every budget; best: their best int8 accuracy; n: trials "
          "complete / held back at the screen; each the mean over seeds)")


if __name__ == "__main__":
    main()
