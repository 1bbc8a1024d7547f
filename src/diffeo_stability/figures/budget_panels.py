"""What the figures of the training budgets share (config/cpu-long.yaml): the end points of the
runs per seed, the nets in order, the geometric means over seeds per budget, the scale line.

Reads the per-seed table (seeds.csv: headline rows with the `epochs` column, one per run and
budget), the training table (widths) and the snapshot probes (training_time.csv).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.per_net import SOTA_PATTERN
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import full_size, select


def end_points(seeds: pd.DataFrame | None, options: Mapping[str, str]) -> pd.DataFrame:
    """Trained headline rows per seed at the largest P of their data set, one per run and
    budget (column `epochs`), with finite positive R_f; empty without the table."""
    probe = Headline.from_options(options)
    rows = full_size(select(probe.rows(seeds, c=probe.c), state="trained"))
    if rows.empty or "epochs" not in rows:
        return pd.DataFrame()
    rows = rows.assign(epochs=pd.to_numeric(rows["epochs"]))
    return rows[np.isfinite(rows["R"].to_numpy(float)) & (rows["R"].to_numpy(float) > 0)]


def snapshot_points(table: pd.DataFrame | None, options: Mapping[str, str]) -> pd.DataFrame:
    """Headline rows of the snapshot probes after epoch >= 1 (epoch 0, the initial net, has no
    place on a log axis of epochs); empty without the table."""
    probe = Headline.from_options(options)
    rows = probe.rows(table, c=probe.c)
    return rows[rows["epoch"] >= 1] if not rows.empty and "epoch" in rows else pd.DataFrame()


def net_order(rows: pd.DataFrame) -> list[str]:
    """The nets of `rows`: the paper's SOTA nets first, then the others, each by name."""
    archs = set(rows["arch"].astype(str)) if not rows.empty else set()
    return sorted(archs, key=lambda arch: (not SOTA_PATTERN.fullmatch(arch), arch))


def geometric_means(rows: pd.DataFrame, value: str, by: str = "epochs") -> pd.Series:
    """exp(mean log `value`) over the seeds of each `by` value (positive values only)."""
    values = rows[value].to_numpy(float)
    logs = pd.Series(np.log(np.where(values > 0, values, np.nan)), index=rows.index)
    return np.exp(logs.groupby(rows[by]).mean()).dropna()


def scale_note(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[str]:
    """'Scale: ResNet18 width 1/8, ... ; 2 seeds per net and budget; budgets E = 4, 8, 32
    epochs' for the drawn rows (widths from training.csv)."""
    if rows.empty:
        return []
    widths = []
    if training is not None and {"arch", "width_factor"} <= set(training.columns):
        for arch in net_order(rows):
            factor = pd.to_numeric(select(training, arch=arch)["width_factor"]).dropna()
            if len(factor) and factor.iloc[0] != 1:
                widths.append(f"{arch} width 1/{round(1 / factor.iloc[0]):d}")
    seeds = rows.groupby(["arch", "epochs"])["seed"].nunique()
    span = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()}"
    budgets = ", ".join(f"{e:g}" for e in sorted(set(rows["epochs"])))
    parts = [*widths, f"{span} seeds per net and budget", f"budgets E = {budgets} epochs"]
    return ["Scale: " + "; ".join(parts) + " (the paper: full widths, 250 epochs)"]
