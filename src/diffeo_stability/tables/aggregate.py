"""Tables over all runs: the tidy stability table, geometric means over seeds, training runs.

- `stability_table`: the concatenation of the per-run probe files (`columns.PROBE_COLUMNS`; P
  an integer, a probe file of an older version with P "full" resolved to its n_train).
- `log_average`: per group of `GROUP_KEYS`, X = exp(mean log x) over seeds and X_logstd = the
  standard deviation of log x (ddof = 1, 0 for a single seed), for X in R, D, G, test_error
  (and the adversarial values `ADVERSARIAL_VALUES` when some probe measured them);
  undefined (non-finite) values are left out and counted in n_undefined (runs whose R is NaN,
  e.g. a collapsed network); runs whose training never learned (`queries.never_learned`) are
  left out altogether (training.csv names them).
- `seed_table`: the output-layer rows at the probed displacements (no delta sweep, no hidden
  layer), one per seed: small enough to publish, and what the claims' seed-level statistics
  (slopes over P, bootstrap intervals) are computed from (`SEED_COLUMNS`).
- `training_table`: one row per `metrics.json` of a training run (`TRAINING_COLUMNS`; P an
  integer, NA for a run of the full set whose n_train is not recorded; `never_learned`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from diffeo_stability.data.registry import run_augmentation
from diffeo_stability.errors import DataError
from diffeo_stability.io import read_checked
from diffeo_stability.tables.columns import ADVERSARIAL_COLUMNS, PROBE_COLUMNS, table_size
from diffeo_stability.tables.queries import never_learned, without_runs

# the probe columns the geometric means are grouped by: everything but the seed and the values
GROUP_KEYS = [
    "dataset",
    "arch",
    "P",
    "n_train",
    "epochs",
    "augmentation",
    "state",
    "interpolation",
    "c",
    "cutoff_rule",
    "T",
    "delta",
    "point",
    "layer",
    "layer_name",
    "is_output",
    "statistic",
    "noise_norm",
]
LOG_VALUES = ("R", "D", "G", "test_error")
#: the probe option `adversarial`'s values, averaged like LOG_VALUES when any is finite
ADVERSARIAL_VALUES = ("D_adv", "G_adv", "R_adv", "R_adv_G")
#: columns of the per-seed table (`seed_table`)
SEED_COLUMNS = [*GROUP_KEYS, "seed", *LOG_VALUES]
TRAINING_COLUMNS = [
    "dataset",
    "arch",
    "P",
    "n_train",
    "seed",
    "epochs",
    "augmentation",
    "width_factor",
    "best_epoch",
    "test_error",
    "final_test_error",
    "final_train_loss",
    "init_test_error",
    "wall_time_s",
    "images_per_s",
    "device",
    "precision",
    "never_learned",
]
# metrics.json keys copied as they are
_COPIED = ("init_test_error", "wall_time_s", "images_per_s", "device", "precision")
# results/train/{dataset}/{arch}/P{P}/seed{seed}/metrics.json
_RUN_PATH = re.compile(
    r"(?P<dataset>[^/]+)/(?P<arch>[^/]+)/P(?P<P>[^/]+)(?:/E\d+)?(?:/A[^/]+)?/seed(?P<seed>\d+)/[^/]+$"
)


def with_augmentation(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its `augmentation` column; a table written before the augmentation
    options gets each run's data set's own (the only one it could train with then)."""
    if "augmentation" in frame:
        return frame
    return frame.assign(augmentation=[run_augmentation(None, d) for d in frame["dataset"]])


def stability_table(paths: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """All probe rows of `paths` in one frame with the probe schema."""
    if not paths:
        raise DataError("no probe files given")
    frames = [read_checked(path, pd.read_parquet, "probe file") for path in paths]
    # files probed before the adversarial option lack its columns: not measured (NaN)
    frames = [
        frame.reindex(columns=[*frame.columns, *(c for c in ADVERSARIAL_COLUMNS if c not in frame)])
        for frame in frames
    ]
    frames = [with_augmentation(frame) for frame in frames]
    for path, frame in zip(paths, frames, strict=True):
        missing = set(PROBE_COLUMNS) - set(frame.columns)
        if missing:
            raise DataError(f"{path}: missing probe columns {sorted(missing)}")
    table = pd.concat([frame[list(PROBE_COLUMNS)] for frame in frames], ignore_index=True)
    full = table["P"].astype(str) == "full"  # probe files written before P was an integer
    table["P"] = table["P"].where(~full, table["n_train"])
    return table.astype(PROBE_COLUMNS)


def averaged_values(stability: pd.DataFrame) -> tuple[str, ...]:
    """LOG_VALUES, and ADVERSARIAL_VALUES when `stability` holds a finite one of them."""
    present = [v for v in ADVERSARIAL_VALUES if v in stability]
    measured = present and np.isfinite(stability[present].to_numpy(dtype=float)).any()
    return (*LOG_VALUES, *ADVERSARIAL_VALUES) if measured else LOG_VALUES


def log_average(stability: pd.DataFrame, excluded: pd.DataFrame | None = None) -> pd.DataFrame:
    """Geometric means over seeds (one row per group of `GROUP_KEYS`) with log spreads, without
    the runs of `excluded` (training.csv rows: `queries.chance_runs`)."""
    stability = with_augmentation(stability)
    if excluded is not None:
        stability = without_runs(stability, excluded)
    undefined = ~np.isfinite(stability["R"].to_numpy(dtype=float))
    values = averaged_values(stability)
    with np.errstate(divide="ignore"):  # a zero gives log 0 = -inf, hence a geometric mean 0
        logs = stability[GROUP_KEYS].assign(
            seed=stability["seed"],
            n_undefined=undefined,
            **{v: np.log(stability[v].where(np.isfinite(stability[v]))) for v in values},
        )
    groups = logs.groupby(GROUP_KEYS, sort=True, dropna=False)
    out = groups["seed"].nunique().rename("n_seeds").to_frame()
    out["n_undefined"] = groups["n_undefined"].sum().astype(int)
    single = out["n_seeds"] <= 1
    for value in values:
        out[value] = np.exp(groups[value].mean())
        out[f"{value}_logstd"] = groups[value].std(ddof=1).mask(single, 0.0)
    return out.reset_index()


def seed_table(stability: pd.DataFrame) -> pd.DataFrame:
    """Output-layer rows of `stability` at its fixed displacements (not the delta sweep), one
    per seed, with the columns `SEED_COLUMNS` (and the adversarial values when measured),
    sorted."""
    stability = with_augmentation(stability)
    rows = stability[stability["is_output"].astype(bool) & (stability["point"] != "sweep")]
    keys = [c for c in SEED_COLUMNS if c not in LOG_VALUES]
    columns = [*SEED_COLUMNS, *averaged_values(stability)[len(LOG_VALUES) :]]
    return rows[columns].sort_values(keys, ignore_index=True)


def _run_identity(path: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """dataset, arch, P, seed from metrics.json, else from the run directory's path."""
    match = _RUN_PATH.search(path.as_posix())
    from_path = match.groupdict() if match else {}
    keys = ("dataset", "arch", "P", "seed")
    identity = {key: metrics.get(key, from_path.get(key)) for key in keys}
    unknown = [key for key, value in identity.items() if value is None]
    if unknown:
        raise DataError(f"{path}: cannot tell {unknown} (neither in the file nor in its path)")
    return {**identity, "seed": int(identity["seed"])}


def training_row(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The `TRAINING_COLUMNS` of a run's metrics.json, never_learned aside (keys used: dataset,
    arch, P, seed, n_train, epochs_run, best_epoch, test_error, last_test_error,
    init_test_error, wall_time_s, images_per_s, device, precision, history.test_error as
    fallback, history.train_loss: the last epoch's mean training loss, hparams.width_factor)."""
    path = Path(path)
    metrics = read_checked(path, lambda p: json.loads(p.read_text()), "training metrics file")
    history = metrics.get("history", {}).get("test_error") or []
    losses = metrics.get("history", {}).get("train_loss") or []
    identity = _run_identity(path, metrics)
    row = {
        **identity,
        "P": table_size(identity["P"], metrics.get("n_train")),
        "n_train": metrics.get("n_train"),
        "epochs": metrics.get("epochs_run", len(history) or None),
        "augmentation": run_augmentation(
            metrics.get("hparams", {}).get("augmentation"), identity["dataset"]
        ),
        "width_factor": metrics.get("hparams", {}).get("width_factor"),
        "best_epoch": metrics.get("best_epoch"),
        "test_error": metrics.get("test_error"),
        "final_test_error": metrics.get("last_test_error", history[-1] if history else None),
        "final_train_loss": losses[-1] if losses else None,
        **{key: metrics.get(key) for key in _COPIED},
    }
    return {key: row[key] for key in TRAINING_COLUMNS if key in row}


def training_table(paths: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """One row per training run, sorted by dataset, arch, P, seed; `never_learned` flags the
    runs whose training stayed at chance (`queries.never_learned`)."""
    table = pd.DataFrame([training_row(path) for path in paths], columns=TRAINING_COLUMNS)
    table["never_learned"] = never_learned(table) if len(table) else pd.Series(dtype=bool)
    types = {"P": "Int64", "n_train": "Int64", "seed": "int64", "epochs": "Int64"}
    table = table.astype({**types, "best_epoch": "Int64", "never_learned": bool})
    return table.sort_values(["dataset", "arch", "P", "seed"], ignore_index=True)
