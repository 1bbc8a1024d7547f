"""What the figures of the augmentation experiment share (config/cpu-aug.yaml; issue 35): the
trained headline rows of logavg.csv with an `augmentation` column, one style per option, the
nets in order, one curve against P per (net, option).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from diffeo_stability.figures.panels import clean_log_axes
from diffeo_stability.tables.claims.per_net import SOTA_PATTERN
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import by_size, log_band, select

#: augmentation option -> (colour, line style, legend label)
ARM_STYLES: dict[str, tuple[str, str, str]] = {
    "none": ("#7f7f7f", "--", "none"),
    "crop_flip": ("#1b9e77", "-", "crop + flip"),
    "diffeo": ("#d95f02", "--", "diffeo"),
    "crop_flip+diffeo": ("#7570b3", "-", "crop + flip + diffeo"),
}
VALUE_LABELS = {
    "R": r"$R_f$",
    "D": r"$D_f$",
    "G": r"$G_f$",
    "test_error": r"test error $\epsilon_t$",
    "R_adv": r"$R_f^{adv}$",
}


def arm_rows(logavg: pd.DataFrame | None, options: Mapping[str, str]) -> pd.DataFrame:
    """Trained output-layer headline rows with an `augmentation` column and a finite R_f > 0
    (empty without such rows)."""
    probe = Headline.from_options(options)
    rows = select(probe.rows(logavg, c=probe.c), state="trained")
    if rows.empty or "augmentation" not in rows:
        return pd.DataFrame()
    values = rows["R"].to_numpy(float)
    return rows[np.isfinite(values) & (values > 0)].astype({"augmentation": str})


def arms_of(rows: pd.DataFrame, wanted: Sequence[str] = tuple(ARM_STYLES)) -> list[str]:
    """The options of `wanted` present in `rows`, in `ARM_STYLES` order."""
    present = set(rows["augmentation"]) if not rows.empty else set()
    return [arm for arm in ARM_STYLES if arm in wanted and arm in present]


def compared_nets(rows: pd.DataFrame) -> list[str]:
    """The nets of `rows` trained under two options or more (the nets of the comparison
    trained under one option only are left out): the paper's SOTA nets first, then by name."""
    if rows.empty:
        return []
    options = rows.groupby(rows["arch"].astype(str))["augmentation"].nunique()
    archs = options.index[options >= 2]
    return sorted(archs, key=lambda arch: (not SOTA_PATTERN.fullmatch(arch), arch))


def curve_against_p(ax: Axes, rows: pd.DataFrame, value: str, arm: str) -> None:
    """One option's geometric mean of `value` against P with its seed spread (X_logstd) as
    bars, on log axes, styled by `ARM_STYLES`."""
    color, style, _ = ARM_STYLES[arm]
    line = by_size(rows)
    if line.empty:
        return
    ax.errorbar(
        line["n_train"],
        line[value],
        yerr=log_band(line, value),
        color=color,
        ls=style,
        marker="o",
        ms=3,
        capsize=2,
    )
    clean_log_axes(ax)


def arm_handles(arms: Sequence[str]) -> list[Line2D]:
    """Legend entries of the options drawn."""
    return [
        Line2D([], [], color=ARM_STYLES[a][0], ls=ARM_STYLES[a][1], marker="o", ms=3,
               label=ARM_STYLES[a][2])
        for a in arms
    ]  # fmt: skip
