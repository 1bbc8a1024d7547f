"""Probe one training run: its initial and trained networks on the first test images.

Reads `{run_dir}/init.pt`, `trained.pt` (via `models.load_checkpoint`) and, when present,
`metrics.json` (keys used: `n_train`, `hparams.epochs`, `init_test_error`, `test_error`), and
returns the rows of `results/probe/{dataset}/{arch}/P{P}/seed{seed}.parquet`
(`tables.columns.PROBE_COLUMNS`).

Or some of its snapshots (`snapshots=[E, ...]`: `snapshots/epoch{E}.pt`, E = 0: `init.pt`), with
an `epoch` column (`SNAPSHOT_PROBE_COLUMNS`). Snapshots are probed like trained nets (running
statistics) under the state name "snapshot": every snapshot of a run sees the same diffeos and
noise (the draws depend on the state name), so a change between epochs is the net's.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from diffeo_stability.data.images import load_dataset
from diffeo_stability.data.registry import run_augmentation
from diffeo_stability.device import strict_fp32
from diffeo_stability.errors import DataError
from diffeo_stability.io import read_checked
from diffeo_stability.probe.measure import probe_function
from diffeo_stability.probe.settings import ProbeSettings
from diffeo_stability.tables.columns import PROBE_COLUMNS, SNAPSHOT_PROBE_COLUMNS, table_size

log = logging.getLogger(__name__)

# state -> (checkpoint file, metrics.json key of its test error)
STATES = {"init": ("init.pt", "init_test_error"), "trained": ("trained.pt", "test_error")}


def probe_images(x_test: Any, n_probe: int, device: torch.device) -> torch.Tensor:
    """The first `n_probe` test images, uint8 (N, C, n, n) -> float32 [0, 1] on `device`."""
    if len(x_test) < 2:
        raise DataError(f"need at least 2 test images to probe, got {len(x_test)}")
    images = torch.as_tensor(x_test[:n_probe]).to(device=device, dtype=torch.float32)
    return images / 255.0


def with_run_columns(
    rows: pd.DataFrame,
    *,
    dataset: str,
    arch: str,
    P: str,
    n_train: int,
    epochs: int,
    augmentation: str,
    seed: int,
    test_error: float | None,
) -> pd.DataFrame:
    """Add the run's identity and test error to measurement rows; order and type by
    `PROBE_COLUMNS` (P as the integer training-set size: "full" written as `n_train`)."""
    error = math.nan if test_error is None else float(test_error)
    run = {
        "dataset": dataset,
        "arch": arch,
        "P": table_size(P, n_train),
        "n_train": int(n_train),
        "epochs": int(epochs),
        "augmentation": augmentation,
        "seed": int(seed),
        "test_error": error,
    }
    return rows.assign(**run)[list(PROBE_COLUMNS)].astype(PROBE_COLUMNS)


def _read_metrics(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "metrics.json"
    if not path.exists():
        log.warning("%s missing: test errors from the checkpoints, n_train from P", path)
        return {}
    return read_checked(path, lambda p: json.loads(p.read_text()), "training metrics file")


def probe_training_run(
    run_dir: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    settings: ProbeSettings,
    *,
    dataset: str,
    arch: str,
    P: str,
    seed: int,
    device: torch.device | str = "cpu",
    snapshots: Sequence[int] = (),
) -> pd.DataFrame:
    """Rows of both states of one run on its first `settings.n_probe` test images (init:
    batch-norm on batch statistics; trained: eval), or, given `snapshots`, of its nets after
    those epochs (0: the initial net), with an `epoch` column."""
    from diffeo_stability.models import layer_modules, load_checkpoint
    from diffeo_stability.models.build import snapshot_path
    from diffeo_stability.models.fold import prepare_inference

    strict_fp32()
    run_dir, device = Path(run_dir), torch.device(device)
    data = load_dataset(data_path)
    metrics = _read_metrics(run_dir)
    n_train = metrics.get("n_train", len(data.x_train) if str(P) == "full" else int(P))
    epochs = metrics.get("hparams", {}).get("epochs", 0)  # the run's budget
    augmentation = run_augmentation(metrics.get("hparams", {}).get("augmentation"), dataset)
    images = probe_images(data.x_test, settings.n_probe, device)
    # (state, checkpoint, metrics.json key of its test error, epoch)
    nets = [(state, run_dir / name, key, None) for state, (name, key) in STATES.items()]
    if snapshots:
        init = nets[0][:3]
        nets = [
            (*init, 0) if e == 0 else ("snapshot", snapshot_path(run_dir, e), None, e)
            for e in snapshots
        ]
    frames = []
    for state, path, error_key, epoch in nets:
        started = time.perf_counter()
        model, meta = load_checkpoint(path, device)
        if state != "init":  # evaluation mode: running statistics, folded into the convs
            prepare_inference(model)
        rows = probe_function(
            model,
            images,
            settings,
            seed=seed,
            state=state,
            blocks=layer_modules(model),
            batch_stats=state == "init",
        )
        error = meta.get("test_error")
        error = metrics.get(error_key) if error is None else error
        rows = with_run_columns(
            rows,
            dataset=dataset,
            arch=arch,
            P=P,
            n_train=n_train,
            epochs=epochs,
            augmentation=augmentation,
            seed=seed,
            test_error=error,
        )
        frames.append(rows if epoch is None else rows.assign(epoch=epoch))
        log.info("%s: %d rows in %.1f s", path, len(rows), time.perf_counter() - started)
    rows = pd.concat(frames, ignore_index=True)
    return rows.astype(SNAPSHOT_PROBE_COLUMNS) if snapshots else rows
