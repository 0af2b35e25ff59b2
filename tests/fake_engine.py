"""A fake engine for UI tests: deterministic trials, no TensorFlow, no storage, driven by the test.

With ``gated=True`` each trial waits in ``run`` until the test calls ``release()``, so a test decides
exactly when a trial finishes instead of sleeping.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from tinynas_tui.core import figures
from tinynas_tui.core.importance import (
    MIN_TRIALS, OBJECTIVE_LABELS, ImportanceReport, ObjectiveImportance, too_few_note,
)
from tinynas_tui.core.pipeline_config import PipelineConfig
from tinynas_tui.core.events import (
    ConfirmPlanned,
    EpochEnded,
    PreflightMeasured,
    StageStarted,
    TrialFailed,
    TrialFinished,
    TrialStarted,
)
from tinynas_tui.core.trial_book import TrialBook
from tinynas_tui.core.trial_record import TrialRecord
from tinynas_tui.core.space import SINGLE_CONV
from tinynas_tui.core.boards import latency_board
from tinynas_tui.core.hypervolume import reference_for
from tinynas_tui.tui.engine_api import EngineInfo
from fake_studies import FakeStudies


def params_for(number: int) -> dict:
    return {"num_filters": (8, 16, 32)[number % 3], "kernel_size": (3, 5)[number % 2],
            "dense_units": (32, 64, 128)[(number // 2) % 3], "dropout": round(0.05 * (number % 6), 2),
            "lr": round(0.001 * (1 + number % 4), 4), "batch_size": (16, 32)[(number // 3) % 2]}


def metrics_for(number: int) -> tuple[tuple[float, float, float], dict]:
    acc = round(0.80 + (number * 37 % 19) / 100, 4)
    size = round(10 + (number * 53 % 41) * 3.3, 2)
    latency = round(0.5 + (number * 29 % 13) * 0.21, 3)
    attrs = {
        "float_accuracy": round(acc + 0.004, 4), "arena_bytes": 6000 + 512 * (number % 7),
        "macs": 150_000 + 10_000 * number, "params": 20_000 + 1_000 * number, "tflite_bytes": int(size * 1024),
        "fully_int8": True, "quantization": "int8",
        "timings": {"build": 0.1, "train": 1.5, "evaluate": 0.2, "convert": 2.5, "measure": 0.1},
        "layers": [{"name": "conv2d", "type": "Conv2D", "output_shape": [None, 26, 26, 8], "params": 80},
                   {"name": "dense_1", "type": "Dense", "output_shape": [None, 10], "params": 330}],
    }
    return (acc, size, latency), attrs


def preflight_for(number: int) -> dict:
    """The pre-flight figures of a fake trial: its final parameters and MACs, lower-bound bytes."""
    _, attrs = metrics_for(number)
    return {"params": attrs["params"], "macs": attrs["macs"], "est_weight_bytes": attrs["params"] + 40,
            "est_activation_bytes": 5_000 + 100 * number, "est_size_bytes": attrs["params"] + 4136}


def epoch_logs(number: int, epoch: int) -> dict:
    """A fake epoch's Keras logs: loss falls and accuracy rises with each epoch."""
    return {"loss": round(1.0 / (epoch + 1) + number / 100, 4), "accuracy": round(0.5 + 0.1 * epoch, 4),
            "val_loss": round(1.1 / (epoch + 1), 4), "val_accuracy": round(0.45 + 0.1 * epoch, 4)}


def complete_record(number: int) -> TrialRecord:
    values, attrs = metrics_for(number)
    return TrialRecord(number, "complete", params_for(number), values, attrs, seconds=4.0)


def failed_record(number: int, reason: str = "loss became NaN at epoch 1") -> TrialRecord:
    return TrialRecord(number, "failed", params_for(number), None,
                       {"fail_stage": "train", "fail_reason": reason}, seconds=1.0)


def summary_read(full: list[TrialRecord]) -> "FakeEngine":
    """An engine that opens ``full`` as a bulk summary read does (no parameters, only the table's
    attributes, ``partial``) and gives each trial whole from `read_trial`."""
    from dataclasses import replace

    from tinynas_tui.search.trial_reader import SUMMARY_ATTRS

    engine = FakeEngine([replace(r, params={}, attrs={k: v for k, v in r.attrs.items() if k in SUMMARY_ATTRS},
                                 partial=True) for r in full])
    engine.full = {r.number: r for r in full}
    return engine


@dataclass
class FakePlan:
    files: dict[Path, bytes]
    skipped: list[str] = field(default_factory=list)
    conflicts: list[Path] = field(default_factory=list)


class FakeEngine(FakeStudies):
    def __init__(self, records=(), gated=False, fail_open=None, fail_run=None, log_path=None, epochs=1):
        self.initial = list(records)
        self.epochs = epochs  # each trial reports this many train epochs before it waits (gated) or ends
        self.gated = gated
        self.gate = threading.Semaphore(0)
        self.pause = threading.Event()
        self.aborted = threading.Event()
        self.fail_open = fail_open
        self.fail_run = fail_run
        self.log_path = log_path
        self.next_number = max((r.number for r in self.initial), default=-1) + 1
        self.pending_poll: list[TrialRecord] = []
        self.full: dict[int, TrialRecord] = {}
        self.trial_reads: list[int] = []
        self.params_reads = 0
        self.runs: list[int] = []
        self.confirms: list[tuple] = []
        """(top, repeats, weights, budgets) of each confirmation asked."""
        self.seen = TrialBook()
        """Every trial this engine opened with or ran, as the storage would hold them."""
        self.seen.merge(self.initial)
        self.extensions: list[int] = []
        self._count_lock = threading.Lock()
        self._left = 0  # trials left to start in the run in progress
        self._in_run = False
        self.export_requests: list[tuple] = []
        self.export_bases: list[tuple] = []
        """(weights, budgets) of each export planned."""
        self.closed = False
        self.importance_gate: threading.Event | None = None
        """Set to an unset Event to hold `importance` until the test sets it."""
        self.importance_error: Exception | None = None
        self.importance_weights: list = []
        self.study_name = "mnist-5k-single-conv-quick"
        self.space, self.pipeline = SINGLE_CONV, PipelineConfig()
        self.trains_on: str | None = None
        """What the options say about where trials train (`EngineInfo.trains_on`)."""
        self.trained_on: str | None = None
        """What each trial this engine runs records as ``trained_on``; None: nothing."""

    def info(self) -> EngineInfo:
        self._studies()
        return EngineInfo(self.study_name, "mnist-5k", "TPE", "sqlite:///tinynas-runs/tinynas.db",
                          self.space, self.pipeline, self.log_path, latency_board("m4-1m"),
                          self.study_budgets, self.saved_weights, self.saved_budgets,
                          reference_for({}, latency_board("m4-1m").to_dict()), self.trains_on)

    def open(self):
        if self.fail_open:
            raise self.fail_open
        return self.info(), list(self.initial)

    def poll(self):
        out, self.pending_poll = self.pending_poll, []
        return out

    def read_trial(self, number):
        """The full record of a trial the engine opened with (``full`` replaces a partial one)."""
        self.trial_reads.append(number)
        return self.full.get(number)

    def read_params(self):
        """Every opened trial's parameters: from ``full`` where a partial record has its full one."""
        self.params_reads += 1
        return {r.number: (self.full.get(r.number) or r).params for r in self.initial}

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.gate.release()

    def run(self, n_trials, on_event):
        hand_on = on_event
        on_event = lambda event: self._emit(event, hand_on)  # noqa: E731 - the trials it runs are seen
        self.runs.append(n_trials)
        self.pause.clear()
        self.aborted.clear()
        if self.fail_run:
            raise self.fail_run
        with self._count_lock:
            self._left, self._in_run = n_trials, True
        try:
            while self._take():
                number = self.next_number
                self.next_number += 1
                on_event(TrialStarted(number, params_for(number)))
                on_event(StageStarted(number, "preflight"))
                on_event(PreflightMeasured(number, preflight_for(number)))
                on_event(StageStarted(number, "train"))
                for epoch in range(1, self.epochs + 1):
                    on_event(EpochEnded(number, "train", epoch, self.epochs, epoch_logs(number, epoch)))
                while self.gated and not self.aborted.is_set() and not self.gate.acquire(timeout=0.01):
                    pass
                if self.aborted.is_set():
                    on_event(TrialFailed(number, "stopped", "stopped by the user"))
                    return
                values, attrs = metrics_for(number)
                if self.trained_on is not None:
                    attrs[figures.TRAINED_ON] = self.trained_on
                on_event(TrialFinished(number, *values, metrics=attrs))
                if self.pause.is_set():
                    return
        finally:
            with self._count_lock:
                self._in_run = False

    def confirm(self, top, repeats, weights, budgets, on_event):
        """As the real study process: plan from every trial seen (`plan_confirm`), say it, then run each
        repeat as a trial with its original's parameters and size and latency, and another accuracy."""
        self.confirms.append((top, repeats, weights, budgets))
        plan = self.seen.confirm_plan(self.seen.rank(weights, budgets), top, repeats)
        on_event(ConfirmPlanned(plan.line(plan.to_enqueue), plan.to_enqueue))
        for original in plan.chosen:
            for k in range(plan.more[original]):
                number = self.next_number
                self.next_number += 1
                (acc, size, latency), attrs = metrics_for(original)
                self._emit(TrialStarted(number, params_for(original), repeat_of=original), on_event)
                while self.gated and not self.aborted.is_set() and not self.gate.acquire(timeout=0.01):
                    pass
                if self.aborted.is_set():
                    self._emit(TrialFailed(number, "stopped", "stopped by the user"), on_event)
                    return
                self._emit(TrialFinished(number, round(acc - 0.01 * (k + 1), 4), size, latency, metrics=attrs),
                           on_event)

    def _emit(self, event, on_event) -> None:
        self.seen.apply(event)
        on_event(event)

    def _take(self) -> bool:
        with self._count_lock:
            if self._left <= 0:
                self._in_run = False
                return False
            self._left -= 1
            return True

    def extend(self, n_trials):
        """As the real engine: the run in progress takes more trials, unless it has ended."""
        with self._count_lock:
            if not self._in_run or self.pause.is_set():
                return False
            self.extensions.append(n_trials)
            self._left += n_trials
            return True

    def request_pause(self):
        self.pause.set()

    def abort(self):
        self.pause.set()
        self.aborted.set()

    def new_study(self, space, pipeline):
        self.study_name = self.renamed_for(space, pipeline)
        self.space, self.pipeline = space, pipeline
        self.initial, self.saved_weights, self.saved_budgets = [], None, None
        self.next_number = 0
        self.seen = TrialBook()
        return self.info(), []

    def plan_export(self, numbers, folder, formats, weights, budgets):
        self.export_requests.append((tuple(numbers), folder, tuple(formats)))
        self.export_bases.append((weights, budgets))
        records = {r.number: r for r in self.initial}
        files, skipped = {}, []
        for n in numbers:
            if records.get(n) is None or records[n].state != "complete":
                skipped.append(f"trial {n}: {records[n].state if n in records else 'unknown'}")
                continue
            for fmt in formats:
                files[Path(folder) / f"trial-{n}.{fmt}"] = f"trial {n} as {fmt}".encode()
        return FakePlan(files, skipped, [p for p in files if p.exists()])

    def write_export(self, plan, force):
        if plan.conflicts and not force:
            raise RuntimeError("files exist")
        for path, data in plan.files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return list(plan.files)

    def importance(self, weights):
        """A report shaped as the real one: each parameter's share by how many values it took, in the
        complete trials the engine opened with (too few: the real note)."""
        self.importance_weights.append(weights)
        if self.importance_gate is not None:
            self.importance_gate.wait(timeout=20)
        if self.importance_error is not None:
            raise self.importance_error
        complete = [r for r in self.initial if r.state == "complete"]
        if len(complete) < MIN_TRIALS:
            return ImportanceReport("fake evaluator", len(complete), note=too_few_note(len(complete)))
        values = {}
        for r in complete:
            for name, value in r.params.items():
                values.setdefault(name, set()).add(value)
        varied = {n: len(v) for n, v in values.items() if len(v) > 1}
        total = sum(varied.values())
        ranked = tuple(sorted(((n, k / total) for n, k in varied.items()), key=lambda p: (-p[1], p[0])))
        objectives = tuple(ObjectiveImportance(name, len(complete), ranked) for name in OBJECTIVE_LABELS)
        return ImportanceReport("fake evaluator", len(complete), objectives,
                                tuple(sorted(n for n in values if n not in varied)))

    def close(self):
        self.closed = True
