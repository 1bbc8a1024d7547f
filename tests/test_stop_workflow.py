"""Stopping a local Snakemake run with a plain `kill PID` (SIGTERM): its jobs stop within
seconds, a training keeps its resume checkpoint, and the same command continues it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from workflow_helpers import CONFIGS, ROOT

from diffeo_stability.stopping import innermost_processes, stop_jobs

RUN = "results/stop/train/synth-cifar10/LeNet/Pfull/seed0"
LOG = "results/stop/logs/train/synth-cifar10/LeNet/Pfull/seed0.log"


def test_only_the_innermost_process_of_a_job_is_stopped():
    job = "import subprocess; subprocess.run(['bash', '-c', 'sleep 60; echo shell-went-on'])"
    parent = subprocess.Popen([sys.executable, "-c", job], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not innermost_processes(parent.pid):
            assert time.monotonic() < deadline, "the job's processes did not start"
            time.sleep(0.05)
        (sleeper,) = innermost_processes(parent.pid)
        assert sleeper.name() == "sleep"
        assert stop_jobs(parent.pid) == [sleeper.pid]
        # the shell was not signalled: it goes on after its command stopped
        assert parent.communicate(timeout=10)[0].strip() == "shell-went-on"
    finally:
        parent.kill()


@pytest.fixture
def long_training(tmp_path) -> Path:
    """The smoke config reduced to one LeNet training of many epochs (minutes if never stopped)."""
    config = yaml.safe_load((CONFIGS / "smoke.yaml").read_text())
    config["results"] = "results/stop"
    config["experiments"] = {
        "one": {"datasets": ["synth-cifar10"], "archs": ["LeNet"], "P": ["full"], "seeds": [0]}
    }
    config["training"]["families"]["conv"]["epochs"] = 400
    path = tmp_path / "stop.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _start(command: list[str], out: Path) -> subprocess.Popen:
    with open(out, "w") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)


def _kill_when(proc: subprocess.Popen, ready, out: Path) -> float:
    """Wait (5 min at most) until `ready()`, SIGTERM `proc` alone (a plain `kill PID`); the
    seconds it took to exit."""
    try:
        deadline = time.monotonic() + 300
        while not ready():
            assert proc.poll() is None, out.read_text()[-3000:]
            assert time.monotonic() < deadline, "not ready within 5 min:\n" + out.read_text()
            time.sleep(0.1)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        return time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_kill_stops_the_training_within_seconds_the_rerun_resumes_and_names_an_orphan(
    long_training, tmp_path
):
    workdir = tmp_path / "work"
    command = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile")]
    command += ["--directory", str(workdir), f"{RUN}/metrics.json", "--cores", "1"]
    command += ["--configfile", str(long_training)]
    out, log = tmp_path / "snakemake.out", workdir / LOG
    checkpoint, lock = workdir / RUN / "checkpoint.pt", workdir / RUN / "train.lock"

    # 1. `kill PID` of Snakemake stops its training within seconds, keeping the checkpoint
    stopped_after = _kill_when(_start(command, out), checkpoint.exists, out)
    output = out.read_text()
    assert stopped_after < 15, f"Snakemake took {stopped_after:.1f} s to stop:\n{output[-3000:]}"
    assert "SIGTERM: stopping the 1 running job(s)" in output
    assert "stopped by SIGTERM" in log.read_text()
    assert checkpoint.exists() and not lock.exists()
    assert not (workdir / RUN / "metrics.json").exists()

    # 2. the same command continues from the checkpoint; then Snakemake is killed with -9
    def resumed() -> bool:  # and trained an epoch since (the stop handler is set by then)
        text = log.read_text() if log.exists() else ""
        return "epoch " in text.partition("resuming from")[2]

    rerun = _start(command, out)
    orphan = None
    try:
        deadline = time.monotonic() + 300
        while not resumed():
            assert rerun.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
            time.sleep(0.1)
        orphan = json.loads(lock.read_text())["pid"]
        rerun.kill()  # kill -9: the training goes on as an orphan
        rerun.wait()

        # 3. a rerun deletes the orphan's log; the new log names the orphan and its output
        unlock = subprocess.run([*command, "--unlock"], capture_output=True, timeout=120)
        assert unlock.returncode == 0, unlock.stderr
        again = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert again.returncode != 0
        message = log.read_text()
        assert f"this run is being trained by process {orphan}" in message
        assert f"tail -f /proc/{orphan}/fd/2" in message
    finally:
        if rerun.poll() is None:
            rerun.kill()
        if orphan is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(orphan, signal.SIGKILL)
