"""R_f decreases with depth after training (the depth appendix): the slope of log R_f against
the layer index, over the probed layers of each trained net at the largest P.

Per layer, R_f is taken under the statistic of the authors' per-layer probing code
(`LAYER_STATISTIC`: leonardopetrini/relativestability, `main.py --by_layer 1`, whose
`mean_stability` defaults to 1: the mean over images of the squared change, summed over units,
with noise of each image's diffeo norm), not the headline's; the row's details give the slope
under the other statistic too (docs/conventions.md).

The input layer (index 0) is left out: there the output is the image itself (the authors'
feature extractor does not return it either), and the median statistic of a ratio of pixel
changes is not 1 (the depth figure's docstring explains the value); the paper's claim is about
how R_f builds up through the layers.
"""

from __future__ import annotations

import math

import pandas as pd

from diffeo_stability.tables.claims.decide import Estimate, decide, log_slope
from diffeo_stability.tables.claims.rows import absent_row, claim_row, groups
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import full_size, select

NAME = "R_f decreases with depth after training"
#: the statistic over images of the per-layer R_f: the authors' per-layer code's (mean)
LAYER_STATISTIC = "mean"
STATISTICS = ("mean", "median")
PAPER = "monotonic decrease (Fig. 14)"


def layer_profiles(
    logavg: pd.DataFrame | None, probe: Headline, statistic: str
) -> dict[tuple[str, str], pd.DataFrame]:
    """(data set, arch) -> its trained per-layer rows at the largest P under `statistic` (the
    headline's point, c, noise norm and interpolation), layers 1..output in order; only nets
    with at least 3 such layers (the output alone, or one hidden layer: no depth profile)."""
    rows = select(
        logavg,
        point=probe.point,
        state="trained",
        c=probe.c,
        statistic=statistic,
        noise_norm=probe.noise_norm,
        interpolation=probe.interpolation,
    )
    layered = full_size(rows[rows["layer"] > 0]) if not rows.empty else rows
    return {
        (group["dataset"].iloc[0], group["arch"].iloc[0]): group.sort_values("layer")
        for group in groups(layered, ["dataset", "arch"])
        if len(group) >= 3
    }


def depth_slope(layers: pd.DataFrame) -> Estimate:
    """Slope of log R_f against the layer index, with its 95 % t interval over the layers
    (one seed-averaged value per layer: not projected to more seeds)."""
    x, y = layers["layer"].to_numpy(float), layers["R"].to_numpy(float)
    return log_slope(x, y, log_x=False, seeds=False)


def depth_claims(
    logavg: pd.DataFrame | None,
    training: pd.DataFrame | None,
    probe: Headline,
    statistic: str = LAYER_STATISTIC,
) -> list[dict]:
    """One row per (data set, arch) probed layer by layer (trained, largest P), decided on the
    per-layer R_f under `statistic`."""
    criterion = (
        f"slope of log R_f vs layer index < 0 (95 % t interval; layers 1..output; {statistic} "
        "statistic)"
    )
    other = next(s for s in STATISTICS if s != statistic)
    others = layer_profiles(logavg, probe, other)
    out = []
    for key, group in layer_profiles(logavg, probe, statistic).items():
        estimate = depth_slope(group)
        rises = int((group["R"].diff().dropna() > 0).sum())
        details = (
            f"{statistic} statistic: log R_f per layer {estimate.value:+.3f}; {rises} of "
            f"{len(group) - 1} layer-to-layer steps rise"
        )
        if key in others:
            details += f"; {other} statistic: {depth_slope(others[key]).value:+.3f} per layer"
        out.append(
            claim_row(
                NAME,
                PAPER,
                criterion,
                decide(estimate, -math.inf, 0.0),
                group,
                training,
                estimate,
                details,
            )
        )
    return out or [absent_row(NAME, PAPER, criterion, "no layer probes")]
