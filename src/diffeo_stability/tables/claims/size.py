"""How a trained statistic scales with the training-set size P, per (data set, arch)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.rows import claim_row, groups
from diffeo_stability.tables.fits import fit_power_law
from diffeo_stability.tables.queries import select


def size_claims(
    headline: pd.DataFrame,
    training: pd.DataFrame | None,
    claim: str,
    archs: list[str],
    value: str,
    sign: int,
) -> list[dict]:
    """Slope of log `value` vs log P (trained) has the sign `sign`, per (data set, arch)."""
    trained = select(headline, state="trained", arch=archs)
    out = []
    word = "< 0" if sign < 0 else "> 0"
    for group in groups(trained, ["dataset", "arch"]):
        usable = group[np.isfinite(group[value]) & (group[value] > 0)]
        if usable["n_train"].nunique() < 2:
            continue
        fit = fit_power_law(group["n_train"].to_numpy(float), group[value].to_numpy(float))
        out.append(
            claim_row(
                claim,
                "falls" if sign < 0 else "rises",
                f"fitted slope {word}",
                fit.exponent * sign > 0,
                group,
                training,
                fit.exponent,
                f"{value} ~ P^{fit.exponent:.3f} over {fit.n_points} sizes",
            )
        )
    if not out:
        out.append(
            claim_row(
                claim,
                "falls" if sign < 0 else "rises",
                f"fitted slope {word}",
                None,
                trained,
                training,
                arch=",".join(archs),
                details="fewer than 2 training-set sizes",
            )
        )
    return out
