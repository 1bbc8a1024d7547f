"""R_f decreases with depth after training (the depth appendix): the slope of log R_f against
the layer index, over the probed layers of each trained net at the largest P.

The input layer (index 0) is left out: there the output is the image itself, and the median
statistic (per unit, over images) of a ratio of pixel changes is not 1 (the depth figure's
caption explains the value); the paper's claim is about how R_f builds up through the layers.
"""

from __future__ import annotations

import math

import pandas as pd

from diffeo_stability.tables.claims.decide import decide, log_slope
from diffeo_stability.tables.claims.rows import absent_row, claim_row, groups
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import full_size, select

NAME = "R_f decreases with depth after training"
CRITERION = "slope of log R_f vs layer index < 0 by 2 SE (layers 1..output)"


def depth_claims(
    logavg: pd.DataFrame | None, training: pd.DataFrame | None, probe: Headline
) -> list[dict]:
    """One row per (data set, arch) probed layer by layer (trained, largest P)."""
    rows = select(logavg, point=probe.point, state="trained", c=probe.c)
    rows = select(
        rows,
        statistic=probe.statistic,
        noise_norm=probe.noise_norm,
        interpolation=probe.interpolation,
    )
    layered = full_size(rows[rows["layer"] > 0]) if not rows.empty else rows
    out = []
    for group in groups(layered, ["dataset", "arch"]):
        if len(group) < 3:  # the output layer alone, or one hidden layer: no depth profile
            continue
        group = group.sort_values("layer")
        layers, values = group["layer"].to_numpy(float), group["R"].to_numpy(float)
        estimate = log_slope(layers, values, log_x=False)
        rises = int((group["R"].diff().dropna() > 0).sum())
        out.append(
            claim_row(
                NAME,
                "monotonic decrease (Fig. 14)",
                CRITERION,
                decide(estimate, -math.inf, 0.0),
                group,
                training,
                estimate,
                f"log R_f per layer: {estimate.value:+.3f}; {rises} of {len(group) - 1} "
                "layer-to-layer steps rise",
            )
        )
    return out or [absent_row(NAME, "monotonic decrease (Fig. 14)", CRITERION, "no layer probes")]
