"""A training job killed with SIGKILL and restarted ends exactly like an uninterrupted one
(CPU, deterministic mode): same trained.pt, last.pt, init.pt and metrics minus timing; with the
dataset's crop and flip, and with a max-entropy diffeo per image on top of them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from diffeo_stability.training.trainer import TIMING_KEYS

EPOCHS = 5
RUNNER = (
    "import argparse, logging, sys\n"
    "from diffeo_stability.commands import train\n"
    "logging.basicConfig(level=logging.INFO)\n"
    "parser = argparse.ArgumentParser()\n"
    "train.add_arguments(parser)\n"
    "train.run(parser.parse_args(sys.argv[1:]))\n"
)


@pytest.fixture(scope="module")
def npz(tmp_path_factory) -> Path:
    """A learnable 3x32x32 dataset in the stored .npz format (NHWC uint8)."""
    rng = np.random.default_rng(1)
    arrays = {}
    for split, n in (("train", 512), ("test", 128)):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 100, (n, 32, 32, 3))
        for k in range(10):
            x[y == k, 4 + 2 * k : 8 + 2 * k, 4:12, k % 3] += 150
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x.astype(np.uint8), y.astype(np.int64)
    path = tmp_path_factory.mktemp("data") / "synth-cifar10.npz"
    classes = np.array([str(k) for k in range(10)])
    np.savez(path, **arrays, classes=classes, dataset=np.array("synth-cifar10"))
    return path


def _command(npz: Path, out: Path, augmentation: str = "auto") -> list[str]:
    hparams = {"epochs": EPOCHS, "batch_size": 32, "lr": 0.05, "augmentation": augmentation}
    return [
        sys.executable,
        "-c",
        RUNNER,
        "--data",
        str(npz),
        "--dataset",
        "synth-cifar10",
        "--arch",
        "LeNet",
        "--P",
        "128",
        "--seed",
        "3",
        "--out",
        str(out),
        "--hparams",
        json.dumps(hparams),
        "--device",
        "cpu",
        "--deterministic",
    ]


def _env() -> dict[str, str]:
    return os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _reference(npz: Path, out: Path, augmentation: str) -> None:
    """The uninterrupted run, in this process on one thread (as the OMP_NUM_THREADS=1 jobs)."""
    import argparse

    from diffeo_stability.commands import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train.run(parser.parse_args(_command(npz, out, augmentation)[3:]))
    finally:
        torch.set_num_threads(threads)


def _finish(npz: Path, out: Path, augmentation: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(npz, out, augmentation),
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )


def _kill_after_first_checkpoint(npz: Path, out: Path, augmentation: str) -> int:
    """Start the job, SIGKILL it as soon as an epoch checkpoint exists; the saved epoch."""
    proc = subprocess.Popen(
        _command(npz, out, augmentation),
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while not (out / "checkpoint.pt").exists():
        assert proc.poll() is None, "the job ended before writing a checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "metrics.json").exists(), "the job finished before it was killed"
    assert not (out / "trained.pt").exists()
    return torch.load(out / "checkpoint.pt", weights_only=True)["epoch"]


@pytest.mark.parametrize("augmentation", ["auto", "crop_flip+diffeo"])
def test_sigkill_and_resume_is_exact(npz, tmp_path, augmentation):
    reference = tmp_path / "reference"
    _reference(npz, reference, augmentation)
    killed = tmp_path / "killed"
    epoch = _kill_after_first_checkpoint(npz, killed, augmentation)
    assert 1 <= epoch < EPOCHS
    resumed = _finish(npz, killed, augmentation)
    assert f"after epoch {epoch}" in resumed.stderr
    assert f"epoch {epoch + 1}/{EPOCHS}" in resumed.stderr
    assert f"epoch {epoch}/{EPOCHS}" not in resumed.stderr

    def metrics(run: Path) -> dict:
        data = json.loads((run / "metrics.json").read_text())
        return {k: v for k, v in data.items() if k not in TIMING_KEYS}

    assert metrics(killed) == metrics(reference)
    assert metrics(reference)["epochs_run"] == EPOCHS
    assert metrics(reference)["augmentation"] == augmentation.replace("auto", "crop_flip")
    for name in ("init.pt", "trained.pt", "last.pt"):
        a = torch.load(reference / name, weights_only=True)
        b = torch.load(killed / name, weights_only=True)
        assert a.keys() == b.keys()
        assert {k: v for k, v in a.items() if k != "state_dict"} == {
            k: v for k, v in b.items() if k != "state_dict"
        }
        for key, tensor in a["state_dict"].items():
            assert torch.equal(tensor, b["state_dict"][key]), (name, key)
