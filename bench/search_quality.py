"""Search quality: how fast each sampler's front approaches the exhaustive grid's, and how noisy a trial is.

1. ``measure``: runs the real grid study (``tinynas-tui --headless --space blocks --sampler grid``; 162
   distinct models on mnist-5k) and writes its results as a table, ``bench/data/blocks-grid-e1.json``
   (``-e3`` for ``--epochs 3``). Minutes to tens of minutes on 2 cores.
2. ``replay TABLE``: runs each sampler with several seeds against that table (see `search_replay`) and
   prints, at 10, 25 and 50 trials, the hypervolume as a share of the grid front's (mean ± sd over seeds,
   and the worst seed), the median number of trials to reach 95 %, distinct models seen, training seconds
   the trials would have cost (the table's, repeats included) and the sampler's own CPU seconds. Seconds.
   The GP sampler needs PyTorch (``pip install torch``); without it that row is skipped.

3. ``fidelity SHORT FULL``: multi-fidelity screening (`tinynas_tui.core.fidelity`) replayed on a short and
   a full table, against the same sampler without it, at equal training seconds (see `fidelity_replay`).

4. ``noise TABLE``: a few of the table's front models (most accurate to smallest) trained again with other
   seeds: how far accuracy moves for one architecture.

5. ``live``: real studies of a space with float parameters (``single-conv``: its ``lr`` and ``dropout`` have
   no grid), each sampler with each seed, against the joint front of all their trials. Tens of minutes.

Usage:
    python bench/search_quality.py measure [--epochs 1] [--jobs 2]
    python bench/search_quality.py replay bench/data/blocks-grid-e1.json [--seeds 10] [--samplers tpe,random]
    python bench/search_quality.py noise bench/data/blocks-grid-e1.json [--models 3] [--repeats 4]
    python bench/search_quality.py live [--space single-conv] [--samplers tpe,random] [--seeds 3] [--trials 25]
    python bench/search_quality.py fidelity bench/data/blocks-grid-e1.json bench/data/blocks-grid-e3.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from search_replay import GridTable, median_or_none, params_key, replay, sampler_factories, summary  # noqa: E402

BUDGETS = (10, 25, 50)
GOAL_SHARE = 0.95


def measure(args: argparse.Namespace) -> None:
    out = Path(args.out or HERE / "data" / f"{args.space}-grid-e{args.epochs}.json")
    if args.from_storage:  # a grid study run by hand: only its table is written
        table = grid_table(args.from_storage, args.study)
        table["meta"].update(epochs=table["meta"]["pipeline"].get("epochs"), jobs=args.jobs, commit=_commit(),
                             wall_s=table["meta"].pop("span_s"))
        _write(out, table)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.storage_dir or tmp) / f"{args.space}-grid-e{args.epochs}.db"
        command = [sys.executable, "-m", "tinynas_tui", "--headless", "--space", args.space, "--sampler", "grid",
                   "--trials", "100000", "--epochs", str(args.epochs), "--jobs", str(args.jobs),
                   "--storage", f"sqlite:///{db}", "--study", "grid", "--runs-dir", str(db.parent / "runs")]
        print("running:", " ".join(command[1:]), flush=True)
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        table = grid_table(f"sqlite:///{db}", "grid")
    table["meta"].update(epochs=args.epochs, jobs=args.jobs, wall_s=round(wall, 1), commit=_commit())
    del table["meta"]["span_s"]
    _write(out, table)


def _write(out: Path, table: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, indent=1) + "\n")
    print(f"{len(table['trials'])} models (grid run {table['meta']['wall_s'] / 60:.1f} min) -> {out}")


def grid_table(storage: str, study_name: str) -> dict:
    """A grid study's complete trials as a table (also usable on a grid study run by hand)."""
    import optuna

    from tinynas_tui.core import hypervolume

    study = optuna.load_study(study_name=study_name, storage=storage)
    attrs = study.user_attrs
    trials = []
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    span = (max(t.datetime_complete for t in complete) - min(t.datetime_start for t in complete)).total_seconds()
    for t in complete:
        accuracy, size_kb, latency_ms = t.values
        trials.append({"params": t.params, "accuracy": accuracy, "size_kb": size_kb, "latency_ms": latency_ms,
                       "seconds": round((t.datetime_complete - t.datetime_start).total_seconds(), 2),
                       "train_s": (t.user_attrs.get("timings") or {}).get("train"),
                       "arena_kb": (t.user_attrs.get("arena_bytes") or 0) / 1024,
                       "float_accuracy": t.user_attrs.get("float_accuracy")})
    return {"space": attrs["space"], "reference": hypervolume.stored_or_derived(attrs).to_dict(),
            "meta": {"dataset": attrs.get("dataset"), "pipeline": attrs.get("pipeline"),
                     "latency": attrs.get("latency"), "span_s": round(span, 1)},
            "trials": trials}


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_replays(args: argparse.Namespace) -> None:
    table = GridTable.load(Path(args.table))
    target = table.front_hypervolume()
    total = sum(r["seconds"] for r in table.rows.values())
    meta = table.meta
    print(f"table: {args.table} ({len(table.rows)} models, {meta.get('epochs', '?')} epoch(s), "
          f"grid run {meta.get('wall_s', '?')} s with --jobs {meta.get('jobs', '?')}, commit {meta.get('commit', '?')})")
    print(f"grid front: {table.front_size()} models, hypervolume {target:.4f} (reference: {table.reference.text}); "
          f"all {len(table.rows)} trials: {total:.0f} training s")
    names = args.samplers.split(",") if args.samplers else list(sampler_factories())
    trials = max(max(BUDGETS), len(table.rows) // 3)  # the goal: 95 % within a third of the grid's trials
    print(f"\n{'sampler':<10} {'seeds':>5}  " + "  ".join(f"{'HV share @' + str(b):<30}" for b in BUDGETS)
          + f"  {f'trials to 95% (≤{trials})':<20} {'distinct @50':>12} {'train s @50':>11} {'sampler CPU s @50':>17}")
    for name in names:
        if name == "gp" and not _has_torch():
            print(f"{name:<10} skipped: Optuna's GPSampler needs PyTorch (pip install torch)")
            continue
        runs = [replay(table, name, seed, trials, target) for seed in range(args.seeds)]
        cells = [summary([r.shares[b - 1] for r in runs]) for b in BUDGETS]
        reach = median_or_none([r.first_reaching(GOAL_SHARE) for r in runs], trials)
        at = max(BUDGETS) - 1
        distinct = sum(r.distinct[at] for r in runs) / len(runs)
        train = sum(r.training_s[at] for r in runs) / len(runs)
        cpu = sum(r.sampler_cpu_s[at] for r in runs) / len(runs)
        print(f"{name:<10} {len(runs):>5}  " + "  ".join(f"{c:<30}" for c in cells)
              + f"  {reach:<20} {distinct:>12.1f} {train:>11.0f} {cpu:>17.2f}", flush=True)


def run_fidelity(args: argparse.Namespace) -> None:
    from fidelity_replay import ScreenRule, plain, screened

    short, full = GridTable.load(Path(args.short)), GridTable.load(Path(args.full))
    target = full.front_hypervolume()
    extra = (full.meta.get("epochs") or 1) - (short.meta.get("epochs") or 1)
    per_model = sum(r["seconds"] + r["train_s"] / (short.meta.get("epochs") or 1) * extra
                    for r in short.rows.values()) / len(short.rows)
    rule = ScreenRule(slack=args.slack, min_peers=args.min_peers)
    print(f"screen: {args.short} ({short.meta.get('epochs', '?')} epoch(s)); full: {args.full} "
          f"({full.meta.get('epochs', '?')} epochs, front hypervolume {target:.4f}); rule: slack {rule.slack:g}, "
          f"min_peers {rule.min_peers}; a full trial costs {per_model:.1f} training s on average")
    budgets = [b * per_model for b in BUDGETS]
    print(f"\n{'sampler':<10} {'run':<9} " + "  ".join(f"{'HV share @ ' + f'{s:.0f} s (~{b} full)':<30}"
                                               for s, b in zip(budgets, BUDGETS)) + "  promoted/screened")
    for name in (args.samplers.split(",") if args.samplers else ["tpe", "random"]):
        for kind in ("plain", "screened"):
            curves = [plain(full, short, name, seed, max(budgets), target) if kind == "plain" else
                      screened(short, full, name, seed, max(budgets), target, rule) for seed in range(args.seeds)]
            cells = [summary([c.share_at(b) for c in curves]) for b in budgets]
            ratio = (f"{sum(c.promoted for c in curves) / len(curves):.1f}/"
                     f"{sum(c.screened for c in curves) / len(curves):.1f}") if kind == "screened" else "-"
            print(f"{name:<10} {kind:<9} " + "  ".join(f"{c:<30}" for c in cells) + f"  {ratio}", flush=True)


def run_noise(args: argparse.Namespace) -> None:
    """Train a few of the table's front models again with other seeds (a trial's seed is 1000 + its number,
    so the same parameters enqueued again train with a new seed): accuracy's spread for one architecture."""
    import optuna

    table = GridTable.load(Path(args.table))
    epochs = table.meta.get("epochs", 1)
    front = sorted(table.front_rows(), key=lambda r: -r["accuracy"])
    picked = [front[round(i * (len(front) - 1) / max(1, args.models - 1))] for i in range(args.models)]
    with tempfile.TemporaryDirectory() as tmp:
        storage = f"sqlite:///{tmp}/noise.db"
        base = [sys.executable, "-m", "tinynas_tui", "--headless", "--space", table.space.name,
                "--epochs", str(epochs), "--storage", storage, "--study", "noise", "--runs-dir", f"{tmp}/runs",
                "--sampler", "random"]
        subprocess.run([*base, "--trials", "1"], check=True, stdout=subprocess.DEVNULL)  # creates the study
        study = optuna.load_study(study_name="noise", storage=storage)
        for row in picked:
            for _ in range(args.repeats):
                study.enqueue_trial(row["params"])
        subprocess.run([*base, "--trials", str(len(picked) * args.repeats), "--jobs", str(args.jobs)], check=True,
                       stdout=subprocess.DEVNULL)
        runs: dict = {}
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
            runs.setdefault(params_key(t.params), []).append(t.values[0])
    print(f"accuracy of one architecture over seeds ({epochs} epoch(s), {args.repeats} new seeds + the table's):")
    for row in picked:
        values = [row["accuracy"], *runs.get(params_key(row["params"]), [])]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        shape = ", ".join(f"{k}={v}" for k, v in row["params"].items() if k not in ("separable", "batch_norm"))
        print(f"  {shape}: mean {statistics.mean(values):.4f} ± {sd:.4f} (range {min(values):.4f}–{max(values):.4f}, "
              f"n={len(values)}; size {row['size_kb']:.1f} KiB)")


def run_live(args: argparse.Namespace) -> None:
    """Real studies of a space with float parameters (no grid can be tabled): each sampler with each seed,
    compared against the front of every trial of every run together (the best front known)."""
    import optuna

    from tinynas_tui.core import hypervolume as hv

    names = args.samplers.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        storage = f"sqlite:///{args.storage_dir or tmp}/live.db"
        runs: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
        seconds: dict[tuple[str, int], float] = {}
        for seed in range(args.seeds):
            for name in names:  # seeds outermost: the machine's drift spreads over every sampler alike
                study_name = f"{args.space}-{name}-{seed}"
                subprocess.run([sys.executable, "-m", "tinynas_tui", "--headless", "--space", args.space,
                                "--sampler", name, "--seed", str(seed), "--trials", str(args.trials),
                                "--epochs", str(args.epochs), "--jobs", str(args.jobs), "--storage", storage,
                                "--study", study_name, "--runs-dir", f"{args.storage_dir or tmp}/runs"],
                               check=True, stdout=subprocess.DEVNULL)
                study = optuna.load_study(study_name=study_name, storage=storage)
                done = sorted(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)),
                              key=lambda t: t.number)
                runs[(name, seed)] = [tuple(t.values) for t in done]
                seconds[(name, seed)] = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in done)
                reference = hv.stored_or_derived(study.user_attrs)
    everything = [p for values in runs.values() for v in values if (p := hv.normalise(v, reference))]
    best = hv.hypervolume(everything)
    print(f"{args.space}, {args.epochs} epoch(s): {len(everything)} trials in all; their joint front's hypervolume "
          f"{best:.4f} (reference: {reference.text})")
    checkpoints = [b for b in BUDGETS if b <= args.trials] or [args.trials]
    print(f"\n{'sampler':<10} {'seeds':>5}  " + "  ".join(f"{'HV share @' + str(b):<30}" for b in checkpoints)
          + f"  {'train s':>8}")
    for name in names:
        shares = {b: [] for b in checkpoints}
        for seed in range(args.seeds):
            history = hv.HypervolumeHistory(reference)
            for values in runs[(name, seed)]:
                history.add(values)
            for b in checkpoints:
                shares[b].append(history.history[min(b, len(history.history)) - 1] / best)
        train = sum(seconds[(name, s)] for s in range(args.seeds)) / args.seeds
        print(f"{name:<10} {args.seeds:>5}  " + "  ".join(f"{summary(shares[b]):<30}" for b in checkpoints)
              + f"  {train:>8.0f}", flush=True)


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="run the grid study and write its table")
    m.add_argument("--space", default="blocks")
    m.add_argument("--epochs", type=int, default=1)
    m.add_argument("--jobs", type=int, default=2)
    m.add_argument("--out")
    m.add_argument("--storage-dir", help="keep the grid study's SQLite file here (default: a temporary folder)")
    m.add_argument("--from-storage", help="write the table of a grid study already run (with --study)")
    m.add_argument("--study", default="grid")
    r = sub.add_parser("replay", help="replay samplers against a table")
    r.add_argument("table")
    r.add_argument("--seeds", type=int, default=10)
    r.add_argument("--samplers", help="comma-separated (default: tpe,tpe-indep,nsga2,nsga2-p10,random,gp)")
    f = sub.add_parser("fidelity", help="replay multi-fidelity screening against a short and a full table")
    f.add_argument("short")
    f.add_argument("full")
    f.add_argument("--seeds", type=int, default=10)
    f.add_argument("--samplers", help="comma-separated (default: tpe,random)")
    f.add_argument("--slack", type=float, default=0.0)
    f.add_argument("--min-peers", type=int, default=3)
    n = sub.add_parser("noise", help="train some of a table's front models again with other seeds")
    n.add_argument("table")
    n.add_argument("--models", type=int, default=3)
    n.add_argument("--repeats", type=int, default=4)
    n.add_argument("--jobs", type=int, default=2)
    live = sub.add_parser("live", help="real studies of a space with float parameters, against their joint front")
    live.add_argument("--space", default="single-conv")
    live.add_argument("--samplers", default="tpe,nsga2,random")
    live.add_argument("--seeds", type=int, default=3)
    live.add_argument("--trials", type=int, default=25)
    live.add_argument("--epochs", type=int, default=1)
    live.add_argument("--jobs", type=int, default=2)
    live.add_argument("--storage-dir", help="keep the studies' SQLite file here (default: a temporary folder)")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    {"measure": measure, "replay": run_replays, "fidelity": run_fidelity, "noise": run_noise,
     "live": run_live}[args.command](args)


if __name__ == "__main__":
    main()
