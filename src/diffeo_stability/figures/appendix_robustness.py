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
    paired_rows,
    scatter_legend,
)
from diffeo_stability.figures.options import option_list
from diffeo_stability.figures.panels import finish, seeds_label
from diffeo_stability.figures.style import new_figure, panel_title
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


def delta_title(rows: pd.DataFrame, c: float, wanted: float) -> str:
    """'c = 3, δ = 1.71 (sweep point nearest 2), 1 seed': the real delta(s) of the rows
    nearest `wanted`."""
    if rows.empty:
        return f"c = {c:g}, δ ≈ {wanted:g}: no rows"
    deltas = " / ".join(f"{d:g}" for d in sorted({round(float(d), 2) for d in rows["delta"]}))
    return panel_title(
        f"c = {c:g}", f"δ = {deltas} (sweep point nearest {wanted:g})", seeds_label(rows)
    )


def sweep_note(logavg: pd.DataFrame | None, options: Mapping[str, str], wanted: list[float]):
    """Where the δ of the lower panels come from: the sweep's δ grid at the headline c (the
    probe's geometric T grid, `probe.sweep_points` over `probe.sweep_range`), of which each
    panel takes the point nearest a value of option `deltas`."""
    probe = Headline.from_options(options)
    dataset = options.get("dataset", "cifar10")
    rows = full_size(probe.rows(logavg, point="sweep", dataset=dataset, c=probe.c))
    if rows.empty:
        return []
    grid = ", ".join(f"{d:.2g}" for d in sorted(set(rows["delta"].round(4))))
    return [
        f"δ panels: the probes' δ sweep at c = {probe.c:g} is a geometric grid of T "
        f"(probe.sweep_points over probe.sweep_range), δ = {grid} px; each panel shows the "
        f"grid point nearest a value of option deltas ({', '.join(f'{d:g}' for d in wanted)}), "
        f"within a factor {DELTA_TOLERANCE:g}"
    ]


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Fig. 5 scatter per c (delta = 1) and per delta (c option). Reads logavg.csv (and
    training.csv for the epochs in the banner)."""
    logavg = load_input(inputs, "logavg.csv")
    headline = Headline.from_options(options)
    all_c = cutoffs(headline.rows(logavg)) or [headline.c]
    deltas = [float(d) for d in option_list(options, "deltas", ["0.5", "2"])]
    missing = [] if logavg is not None else ["logavg.csv"]
    notes: list[str] = []
    panels = []  # (rows, title): one per c at the headline delta, one per delta at the headline c
    for c in all_c:
        rows, unpaired = paired_rows(comparison_rows(logavg, options, c))
        notes += [f"δ = {headline.delta:g} panels: {note}" for note in unpaired]
        panels.append((rows, f"c = {c:g}, δ = {headline.delta:g}, {seeds_label(rows)}"))
    for d in deltas:
        rows, unpaired = paired_rows(nearest_delta_rows(logavg, options, d))
        notes += [f"δ ≈ {d:g} panel: {note}" for note in unpaired]
        panels.append((rows, delta_title(rows, headline.c, d)))
    # two panels a row (wide enough to label crowded points), a free slot for the legend
    nrows = len(panels) // 2 + 1
    fig, axes = new_figure(
        height=2.9 * nrows, nrows=nrows, ncols=2, squeeze=False, layout="constrained"
    )
    for ax, (rows, title) in zip(axes.flat, panels, strict=False):
        if rows.empty:
            missing.append(f"trained largest-P rows at {title}")
        summary = error_scatter(ax, rows, "R")
        ax.set_title(title + "\n" + summary)
    for ax in axes.flat[len(panels) :]:
        ax.set_axis_off()
    notes += sweep_note(logavg, options, deltas)
    drawn = pd.concat([rows for rows, _ in panels])
    scatter_legend(axes.flat[len(panels)], list(axes.flat[: len(panels)]), drawn)
    add_depth_colorbar(fig, list(axes.flat))
    training = load_input(inputs, "training.csv")
    return finish(fig, options, missing, drawn, training, list(dict.fromkeys(notes)))
