"""A RUNNING trial whose owner process on this machine has ended is failed and retried at once, without the
heartbeat's grace period; a living owner's trial, and another machine's, are left to their heartbeats."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import optuna
import pytest

from tinynas_tui.search.heartbeat import fail_stale_trials
from tinynas_tui.search.owner import OWNER_ATTR, this_process
from tinynas_tui.search.storage import HeartbeatSettings, open_storage, resolve_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)
pytestmark = pytest.mark.skipif(this_process() is None, reason="owners are known only where /proc is (Linux)")

# A process that asks for a trial the way the trial loop does, records itself as its owner, and waits.
OWNER = (
    "import sys, threading, optuna\n"
    "from tinynas_tui.search.owner import record_owner\n"
    "study = optuna.load_study(study_name='s', storage=sys.argv[1])\n"
    "trial = study.ask({'x': optuna.distributions.IntDistribution(0, 9)})\n"
    "record_owner(study._storage, trial._trial_id)\n"
    "print(trial.number, flush=True)\n"
    "threading.Event().wait()\n"
)


@pytest.fixture
def study(tmp_path):
    target = resolve_storage(f"sqlite:///{tmp_path}/study.db")
    # A grace period far beyond the test: only the owner rule can fail a trial here.
    storage = open_storage(target, heartbeat=HeartbeatSettings(interval=1, grace=3600))
    return optuna.create_study(storage=storage, study_name="s")


def start_owner(study_obj):
    url = study_obj._storage._backend.url  # Optuna wraps the RDB storage in a cache
    child = subprocess.Popen([sys.executable, "-c", OWNER, url], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    number = int(child.stdout.readline())
    return child, number


def states(study_obj):
    return [(t.number, t.state.name) for t in study_obj.get_trials(deepcopy=False)]


def test_a_killed_owner_on_this_machine_fails_its_trial_at_once(study):
    child, number = start_owner(study)
    try:
        assert fail_stale_trials(study) == []  # alive: its trial is left running
        assert states(study) == [(number, "RUNNING")]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert fail_stale_trials(study) == [number]
    assert states(study) == [(number, "FAIL"), (number + 1, "WAITING")]  # queued again once
    assert study.trials[1].params == study.trials[0].params
    assert OWNER_ATTR not in study.trials[1].system_attrs  # the retry is nobody's until it is asked for
    assert fail_stale_trials(study) == []


def test_a_reused_pid_or_another_machine_is_not_this_owner(study):
    alive = this_process()
    reused = {**alive, "started": alive["started"] - 1}  # same pid, started earlier: another process
    other_machine = {**alive, "machine": ["elsewhere", *alive["machine"][1:]]}
    for owner in (reused, other_machine, alive):
        trial = study.ask()
        study._storage.set_trial_system_attr(trial._trial_id, OWNER_ATTR, owner)
    assert fail_stale_trials(study) == [0]
    assert [s for _, s in states(study)] == ["FAIL", "RUNNING", "RUNNING", "WAITING"]


def test_the_owner_is_not_one_of_the_trials_figures(study):
    """Figures stored whole are ``tinynas:NAME`` system attributes; the owner is kept apart from them."""
    from tinynas_tui.core import stored_figures
    from tinynas_tui.search.owner import record_owner

    trial = study.ask()
    record_owner(study._storage, trial._trial_id)
    frozen = study._storage.get_trial(trial._trial_id)
    assert OWNER_ATTR in frozen.system_attrs
    assert not set(stored_figures.of_trial(frozen)) - set(frozen.user_attrs)
