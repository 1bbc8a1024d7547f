"""Filters over training: the energy of a run's 3x3 convolution filters on each eigenvalue of
the Laplacian on the 3x3 grid, at its initialisation and at each of its snapshots.

The slides' c_{t,lambda} = <(w_{ch,t} . Psi_lambda)^2>_ch (`laplacian.filter_energy`, a
degenerate eigenvalue counting its whole eigenspace), for every layer whose weights are
(out, in, 3, 3), read from the raw state dict of each checkpoint (batch-norms not folded in).
Filters of other sizes (LeNet's 5x5, 1x1 shortcuts) are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch

from diffeo_stability.errors import DataError
from diffeo_stability.io import read_checked
from diffeo_stability.mechanisms.laplacian import filter_energy

#: side of the filters analysed
FILTER_SIDE = 3
#: the columns of the table, one row per (run, layer, epoch, eigenvalue)
COLUMNS = {
    "dataset": "object",
    "arch": "object",
    "P": "object",
    "seed": "int64",
    "layer": "int64",
    "layer_name": "object",
    "n_filters": "int64",
    "epoch": "int64",
    "eigenvalue": "float64",
    "energy": "float64",
}
_SNAPSHOT = re.compile(r"epoch(\d+)\.pt")


def checkpoint_epoch(path: Path) -> tuple[Path, int]:
    """(run folder, epoch) of a run's `init.pt` (epoch 0) or `snapshots/epoch{E}.pt`."""
    match = _SNAPSHOT.fullmatch(path.name)
    if path.name == "init.pt":
        return path.parent, 0
    if match and path.parent.name == "snapshots":
        return path.parent.parent, int(match.group(1))
    raise DataError(f"{path}: neither a run's init.pt nor one of its snapshots/epoch<E>.pt")


def square_filters(state_dict: dict[str, torch.Tensor]) -> list[tuple[str, torch.Tensor]]:
    """(layer name, weights (out, in, 3, 3)) of every 3x3 convolution, in network order."""
    return [
        (name.removesuffix(".weight"), weights)
        for name, weights in state_dict.items()
        if name.endswith("weight") and weights.dim() == 4
        if tuple(weights.shape[-2:]) == (FILTER_SIDE, FILTER_SIDE)
    ]


def _run_identity(run_dir: Path) -> dict[str, object]:
    metrics = read_checked(
        run_dir / "metrics.json", lambda p: json.loads(p.read_text()), "training metrics file"
    )
    return {key: metrics[key] for key in ("dataset", "arch", "seed")} | {"P": str(metrics["P"])}


def filter_spectrum(checkpoints: Sequence[str | Path]) -> pd.DataFrame:
    """Rows (`COLUMNS`) of the 3x3 filters of each checkpoint (init.pt or a snapshot); the run's
    identity comes from its metrics.json."""
    rows = []
    for path in map(Path, checkpoints):
        run_dir, epoch = checkpoint_epoch(path)
        identity = _run_identity(run_dir)
        state = read_checked(
            path, lambda p: torch.load(p, map_location="cpu", weights_only=True), "checkpoint"
        )["state_dict"]
        for layer, (name, weights) in enumerate(square_filters(state), start=1):
            eigenvalues, energies = filter_energy(weights.double().numpy())
            filters = weights.shape[0] * weights.shape[1]
            rows += [
                identity
                | {"layer": layer, "layer_name": name, "n_filters": filters, "epoch": epoch}
                | {"eigenvalue": float(value), "energy": float(energy)}
                for value, energy in zip(eigenvalues, energies, strict=True)
            ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).astype(COLUMNS)
    return frame.sort_values(["dataset", "arch", "P", "seed", "layer", "epoch", "eigenvalue"])
