"""The search command, ``tinynas-tui [--headless] [options]``: the UI, or the seed's output lines."""

from __future__ import annotations

import argparse
from typing import Sequence

from tinynas_tui import PROG, __version__
from tinynas_tui.cli.common import (
    OneLineErrorParser,
    add_storage_options,
    add_confirm_options,
    add_trial_worker_options,
    add_weights_option,
    positive_float,
    positive_int,
    report_usage_error,
)
from tinynas_tui.cli import COMMANDS
from tinynas_tui.core.boards import CORES, DEFAULT_TARGET, TARGETS
from tinynas_tui.core.scoring import DEFAULT_WEIGHTS
from tinynas_tui.errors import UsageError


def _commands_epilog() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {PROG} {name:<{width}}  {summary}" for name, summary in COMMANDS.items()]
    return "commands:\n" + "\n".join(lines) + f"\n\nSee {PROG} COMMAND --help for a command's options."


def build_parser() -> argparse.ArgumentParser:
    p = OneLineErrorParser(
        prog=PROG,
        usage=f"%(prog)s [options]\n       %(prog)s {{{','.join(COMMANDS)}}} [options]",
        description="Neural architecture search for TinyML image classifiers (Optuna, int8 TFLite).\n"
                    "Without a command: the terminal UI (or, with --headless, one line per trial).",
        epilog=_commands_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--headless", action="store_true", help="run without the UI, printing one line per trial")
    p.add_argument("--paused", action="store_true", help="open the UI without starting the study")
    p.add_argument("--trials", type=positive_int, default=5, help="trials to add to the study (default 5)")
    p.add_argument("--verbose", action="store_true", help="show TensorFlow and converter logs")
    p.add_argument("--cpu", action="store_true", help="hide every GPU from the trial worker")

    g = p.add_argument_group("data")
    g.add_argument("--dataset", metavar="NAME|PATH",
                   help="mnist-5k (default, offline), mnist, fashion-mnist, cifar10, cifar10-gray, or a .npz "
                        "with x_train, y_train, x_test, y_test")
    g.add_argument("--train-samples", type=positive_int, metavar="N",
                   help="training images to use (keras datasets: default 5000; others: all)")
    g.add_argument("--test-samples", type=positive_int, metavar="N",
                   help="test images to use (keras datasets: default 1000; others: all)")

    g = p.add_argument_group("search")
    g.add_argument("--space", metavar="NAME|PATH", help="single-conv (default) or a space .toml file")
    g.add_argument("--pipeline", metavar="NAME|PATH",
                   help="quick (default: train, int8 convert, measure), compress (quick filter, teacher + "
                        "distillation, pruning, QAT), or a pipeline .toml file")
    g.add_argument("--epochs", type=positive_int, metavar="N", help="training epochs (default 1)")
    g.add_argument("--screen-epochs", type=positive_int, metavar="N",
                   help="multi-fidelity: train every candidate N epochs first and only those no earlier one "
                        "dominates on to --epochs (the others end PRUNED)")
    g.add_argument("--quantization", choices=("int8", "dynamic"),
                   help="int8 full-integer (default) or the seed's dynamic-range conversion")
    add_weights_option(g, given_only=True)
    g.add_argument("--top", type=positive_int, default=5, metavar="N", help="best trials to print (default 5)")
    g.add_argument("--seed", type=int, help="sampler seed (default: random)")
    g.add_argument("--sampler", metavar="NAME",
                   help="tpe (default), nsga2, random, gp (needs PyTorch), or grid (every distinct model of the space, once)")
    add_confirm_options(g)

    g = p.add_argument_group("the board (latency is estimated for it) and budgets (Optuna constraints; a model "
                             "that cannot fit is skipped before training)")
    g.add_argument("--target", metavar="NAME",
                   help=f"board profile, its flash and RAM as budgets: {', '.join(TARGETS)} (without one, "
                        f"latency is estimated for {DEFAULT_TARGET} and nothing is budgeted)")
    g.add_argument("--core", metavar="NAME", help=f"another board's core, with --clock-mhz: {', '.join(CORES)}")
    g.add_argument("--clock-mhz", type=positive_float, metavar="MHZ", help="that board's clock")
    g.add_argument("--max-flash-kb", type=positive_float, metavar="KB", help="int8 model size limit")
    g.add_argument("--max-ram-kb", type=positive_float, metavar="KB", help="TFLite-Micro arena limit")
    g.add_argument("--max-latency-ms", type=positive_float, metavar="MS",
                   help="limit on the latency estimated for the board")

    add_storage_options(p, study_help="study name (default: DATASET-SPACE-PIPELINE)")
    add_trial_worker_options(p)
    return p


def options_from_args(args: argparse.Namespace):  # -> RunOptions
    from tinynas_tui.run.options import RunOptions

    return RunOptions(
        dataset=args.dataset,
        train_samples=args.train_samples,
        test_samples=args.test_samples,
        space=args.space,
        pipeline=args.pipeline,
        epochs=args.epochs,
        screen_epochs=args.screen_epochs,
        quantization=args.quantization,
        storage=args.storage,
        runs_dir=args.runs_dir,
        study=args.study,
        weights=args.weights if args.weights is not None else DEFAULT_WEIGHTS.as_text(),
        seed=args.seed,
        sampler=args.sampler,
        target=args.target,
        core=args.core,
        clock_mhz=args.clock_mhz,
        max_flash_kb=args.max_flash_kb,
        max_ram_kb=args.max_ram_kb,
        max_latency_ms=args.max_latency_ms,
        verbose=args.verbose,
        cpu=args.cpu,
        gpus=args.gpus,
        threads=args.threads,
        trial_timeout=args.trial_timeout,
        recycle_every=args.recycle_every,
        worker_max_rss_mb=args.worker_max_rss_mb,
        trial_memory_mb=args.trial_memory_mb,
        jobs=args.jobs,
        heartbeat_interval=args.heartbeat,
        heartbeat_grace=args.heartbeat_grace,
        confirm=args.confirm,
        confirm_repeats=args.confirm_repeats,
    )


def run_ui(options, trials: int, paused: bool, weights_given: bool = True) -> int:
    """Validate like the headless run (bad input: exit 2 before any screen), then open the app.

    Weights and budgets not given are left to the app: it ranks by those stored with the study."""
    from tinynas_tui.run.options import validate
    from tinynas_tui.run.engine import OptunaEngine
    from tinynas_tui.tui.factory import create_app

    validated = validate(options)
    app = create_app(OptunaEngine(validated), trials=trials, paused=paused,
                     weights=validated.weights if weights_given else None, budgets=validated.budgets,
                     confirm_top=options.confirm, confirm_repeats=options.confirm_repeats)
    app.run()
    return 0


def run_search(argv: Sequence[str]) -> int:
    """The search itself: the UI, or with ``--headless`` the seed's output lines; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if not args.headless:
            return run_ui(options_from_args(args), trials=args.trials, paused=args.paused,
                          weights_given=args.weights is not None)
        from tinynas_tui.run.headless import run_headless

        return run_headless(options_from_args(args), trials=args.trials, top=args.top)
    except UsageError as err:
        return report_usage_error(err)
