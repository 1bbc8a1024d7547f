"""How a trained statistic scales with the training-set size P, per (data set, arch): the slope
of its log against log P over the runs' seeds, decided by its 95 % t interval (n - 2 dof)."""

from __future__ import annotations

import math

import pandas as pd

from diffeo_stability.tables.claims.decide import decide, log_slope
from diffeo_stability.tables.claims.rows import absent_row, claim_row, groups
from diffeo_stability.tables.queries import select

#: the paper: "P ~ 10^3 training points" before R_f falls with P, and monotonic past that
R_FALLS_FROM_P = 1000


def size_claims(
    seeds: pd.DataFrame,
    training: pd.DataFrame | None,
    claim: str,
    archs: list[str],
    value: str,
    sign: int,
    min_P: int = 0,
) -> list[dict]:
    """Slope of log `value` vs log P (trained, per seed, P >= min_P) has the sign `sign`."""
    trained = select(seeds, state="trained", arch=archs)
    if not trained.empty:
        trained = trained[trained["n_train"] >= min_P]
    word, claimed = ("< 0", (-math.inf, 0.0)) if sign < 0 else ("> 0", (0.0, math.inf))
    over = f" over P >= {min_P}" if min_P else ""
    criterion = f"slope of log {value} vs log P {word} (95 % t interval){over}"
    paper = "falls" if sign < 0 else "rises"
    out = []
    for group in groups(trained, ["dataset", "arch"]):
        estimate = log_slope(group["n_train"].to_numpy(float), group[value].to_numpy(float))
        out.append(
            claim_row(
                claim,
                paper,
                criterion,
                decide(estimate, *claimed),
                group,
                training,
                estimate,
                f"{value} ~ P^{estimate.value:.3f}",
            )
        )
    return out or [
        absent_row(claim, paper, criterion, f"no trained rows{over}", arch=",".join(archs))
    ]
