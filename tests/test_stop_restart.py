"""Stopping and restarting a training safely: the run lock, SIGTERM, broken files named."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from test_train_resume import _command, _env
from test_train_resume import npz as npz  # noqa: F401 (the fixture, by its name)

from diffeo_stability.errors import BrokenFileError
from diffeo_stability.models import load_checkpoint
from diffeo_stability.tables.aggregate import stability_table, training_row
from diffeo_stability.training.checkpoint import load_state
from diffeo_stability.training.runcontrol import Monitor, RunLock, RunLockedError


def _long_run(npz_path: Path, out: Path) -> list[str]:
    """The training command of test_train_resume with many epochs (minutes if never stopped)."""
    command = _command(npz_path, out)
    command[command.index("--hparams") + 1] = json.dumps({"epochs": 500, "batch_size": 8})
    return command


def test_sigterm_stops_within_seconds_and_keeps_the_resume_checkpoint(npz, tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(_long_run(npz, out), env=_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not (out / "checkpoint.pt").exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert json.loads((out / "train.lock").read_text())["pid"] == proc.pid
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "SIGTERM took more than 5 s to stop the training"
    assert proc.returncode != 0
    assert "stopped by SIGTERM" in stderr and "rerun the same command" in stderr
    assert torch.load(out / "checkpoint.pt", weights_only=True)["epoch"] >= 1
    assert not (out / "train.lock").exists() and not (out / "metrics.json").exists()


def test_the_start_line_comes_first_and_epochs_show_an_eta(npz, tmp_path):
    command = _command(npz, tmp_path / "run")
    result = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=300)
    lines = result.stderr.splitlines()
    assert "threads" in lines[0] and "training images" in lines[0] and "epochs" in lines[0]
    assert any("estimated" in line and "s per epoch" in line for line in lines)
    assert any("ETA" in line for line in lines)


def test_a_second_copy_refuses_while_the_first_runs(tmp_path):
    lock = tmp_path / "train.lock"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(json.dumps({"pid": sleeper.pid, "host": socket.gethostname()}))
        with pytest.raises(RunLockedError, match=f"process {sleeper.pid}"), RunLock(lock):
            pass
    finally:
        sleeper.kill()
        sleeper.wait()
    assert lock.exists(), "the live process's lock was removed"


def test_the_refusal_names_the_deleted_log_of_an_orphan_and_where_to_read_it(tmp_path):
    """After kill -9 of Snakemake and a rerun, the orphan training writes to a log that the
    rerun deleted: the rerun's message says how to read it."""
    lock, log = tmp_path / "train.lock", tmp_path / "seed0.log"
    with open(log, "w") as handle:
        orphan = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)"], stderr=handle
        )
    try:
        lock.write_text(json.dumps({"pid": orphan.pid, "host": socket.gethostname()}))
        log.unlink()  # what Snakemake does to a job's log before running the job again
        with pytest.raises(RunLockedError) as refused, RunLock(lock):
            pass
    finally:
        orphan.kill()
        orphan.wait()
    message = str(refused.value)
    assert f"process {orphan.pid}" in message and f"its log {log} was deleted" in message
    assert f"tail -f /proc/{orphan.pid}/fd/2" in message


def test_a_stale_lock_is_taken_over_and_released(tmp_path, caplog):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock = tmp_path / "train.lock"
    lock.write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname()}))
    with RunLock(lock):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert f"process {gone.pid} is gone" in caplog.text
    assert not lock.exists()


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_truncated_network_checkpoint_is_named(tmp_path):
    path = tmp_path / "trained.pt"
    torch.save({"arch": "LeNet", "state_dict": {}, "in_channels": 1, "image_size": 28}, path)
    _truncate(path)
    with pytest.raises(BrokenFileError, match=f"{path}: cannot read .*remove it and rerun"):
        load_checkpoint(path)


def test_truncated_probe_file_and_metrics_are_named(tmp_path):
    probe = tmp_path / "seed0.parquet"
    pd.DataFrame({"R": [1.0] * 100}).to_parquet(probe)
    _truncate(probe)
    with pytest.raises(BrokenFileError, match=f"{probe}: cannot read this probe file"):
        stability_table([probe])
    metrics = tmp_path / "metrics.json"
    metrics.write_text('{"arch": "LeNet", "test_err')
    with pytest.raises(BrokenFileError, match=f"{metrics}: cannot read this training metrics"):
        training_row(metrics)


def test_unreadable_resume_checkpoint_is_set_aside_and_training_restarts(tmp_path, caplog):
    path = tmp_path / "checkpoint.pt"
    torch.save({"identity": {"a": 1}, "epoch": 3, "model": torch.zeros(1000)}, path)
    _truncate(path)
    assert load_state(path, {"a": 1}) is None
    assert not path.exists()
    assert (tmp_path / "checkpoint.pt.broken").stat().st_size > 0
    assert "restarts from scratch" in caplog.text and str(path) in caplog.text


def test_progress_within_an_epoch_is_logged_with_the_time_left(caplog):
    monitor = Monitor(interval_s=0.0)
    monitor.start_epoch("epoch 2/30")
    with caplog.at_level(logging.INFO):
        monitor.on_batch(256, 1024)
    assert "epoch 2/30: 256/1024 images" in caplog.text and "s left in this epoch" in caplog.text
