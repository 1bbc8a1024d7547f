"""Appendix: robustness of Fig. 5 to the cut-off c (at delta = 1) and to delta (at c = 3).

Top row: one panel per c present; bottom row: one panel per delta in option `deltas`
(0.5,2), taken from the delta-sweep rows (nearest delta within a factor 1.5).
Options as Fig. 5 plus deltas.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from diffeo_stability.figures.fig5_error_vs_rf import (
    add_depth_colorbar,
    comparison_rows,
    error_scatter,
)
from diffeo_stability.figures.options import option_list
from diffeo_stability.figures.panels import finish
from diffeo_stability.figures.style import new_figure
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import cutoffs, full_size, load_input, select

DELTA_TOLERANCE = 1.5


def nearest_delta_rows(
    logavg: pd.DataFrame | None, options: Mapping[str, str], delta: float
) -> pd.DataFrame:
    """Per architecture, the trained largest-P sweep row with delta nearest `delta` (factor 1.5)."""
    probe = Headline.from_options(options)
    rows = full_size(
        probe.rows(
            logavg,
            point="sweep",
            dataset=options.get("dataset", "cifar10"),
            state="trained",
            c=probe.c,
        )
    )
    archs = option_list(options, "archs", ["all"])
    if archs != ["all"]:
        rows = select(rows, arch=archs)
    if rows.empty:
        return rows
    distance = np.abs(np.log(rows["delta"].to_numpy(dtype=float) / delta))
    rows = rows.assign(_distance=distance)
    rows = rows[rows["_distance"] <= np.log(DELTA_TOLERANCE)]
    best = rows.sort_values("_distance").groupby("arch", sort=False).head(1)
    return best.drop(columns="_distance")


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Fig. 5 scatter per c (delta = 1) and per delta (c option). Reads logavg.csv."""
    logavg = load_input(inputs, "logavg.csv")
    headline = Headline.from_options(options)
    all_c = cutoffs(headline.rows(logavg)) or [headline.c]
    deltas = [float(d) for d in option_list(options, "deltas", ["0.5", "2"])]
    ncols = max(len(all_c), len(deltas))
    fig, axes = new_figure(height=5.0, nrows=2, ncols=ncols, squeeze=False, layout="constrained")
    missing = [] if logavg is not None else ["logavg.csv"]
    panels = [
        (axes[0, k], comparison_rows(logavg, options, c), f"c = {c:g}, δ = 1")
        for k, c in enumerate(all_c)
    ]
    c = headline.c
    panels += [
        (axes[1, k], nearest_delta_rows(logavg, options, d), f"c = {c:g}, δ ≈ {d:g}")
        for k, d in enumerate(deltas)
    ]
    for ax, rows, title in panels:
        if rows.empty:
            missing.append(f"trained largest-P rows at {title}")
        error_scatter(ax, rows, "R")
        ax.set_title(title)
    for ax in axes.flat:
        if not ax.has_data():
            ax.set_axis_off()
    add_depth_colorbar(fig, list(axes.flat))
    return finish(fig, options, missing, logavg)
