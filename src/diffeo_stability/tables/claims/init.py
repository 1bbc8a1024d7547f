"""R_f at initialisation near 1."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.claims.rows import claim_row, groups
from diffeo_stability.tables.queries import dataset_label, full_size, select

INIT_FACTOR = 3.0  # R_f at initialisation "near 1": within [1/3, 3]
NAME = "R_f at initialisation ~ 1"


def init_claims(headline: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """R_f at initialisation within a factor INIT_FACTOR of 1, one row per architecture that
    starts from random weights (transfer nets start from ImageNet weights: not an init)."""
    rows = full_size(select(headline, state="init"))
    if not rows.empty:
        transfer = rows["arch"].map(lambda a: a in ARCHITECTURES and ARCHITECTURES[a].transfer)
        rows = rows[~transfer.astype(bool)]
    out = []
    criterion = f"every data set: {1 / INIT_FACTOR:.2g} <= R_f <= {INIT_FACTOR:g}"
    for group in groups(rows, ["arch"]):
        r = group["R"].to_numpy(dtype=float)
        worst = float(r[np.argmax(np.abs(np.log(r)))])
        ok = bool(np.all(np.abs(np.log(r)) <= np.log(INIT_FACTOR)))
        per = "; ".join(
            f"{dataset_label(d)} {v:.3g}" for d, v in zip(group["dataset"], r, strict=True)
        )
        out.append(
            claim_row(
                NAME,
                "~1",
                criterion,
                ok,
                group,
                training,
                worst,
                f"farthest from 1: {worst:.3g}; {per}",
            )
        )
    if not out:
        out.append(
            claim_row(
                NAME,
                "~1",
                criterion,
                None,
                rows,
                training,
                details="no init rows at the largest P in logavg.csv",
            )
        )
    return out
