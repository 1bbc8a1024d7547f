"""Fig. 5: test error vs R_f at the largest P (the paper: full) for every architecture, fits.

Colour = depth, marker = batch-norm (diamond) or not (circle); a dagger marks skip connections
and a star transfer learning (from `models.registry.ARCHITECTURES`). Options: dataset (cifar10),
archs (all), c, statistic, noise_norm, interpolation (default: the headline's),
errorbars (no), note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from diffeo_stability.figures.options import option_bool, option_list
from diffeo_stability.figures.panels import clean_log_axes, finish
from diffeo_stability.figures.style import (
    BATCHNORM_MARKERS,
    COLUMN_WIDTH,
    arch_tag,
    new_figure,
    panel_title,
)
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.fits import fit_power_law, log_correlation
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import (
    dataset_label,
    full_size,
    load_input,
    log_band,
    select,
    size_label,
)

DEPTH_CMAP = "viridis"
QUANTITY_LABELS = {"R": r"$R_f$", "D": r"$D_f$", "G": r"$G_f$"}


def comparison_rows(
    logavg: pd.DataFrame | None, options: Mapping[str, str], c: float | None = None
) -> pd.DataFrame:
    """Trained output-layer headline rows at the largest P of the comparison data set, archs."""
    probe = Headline.from_options(options)
    c = probe.c if c is None else c
    rows = full_size(
        probe.rows(logavg, dataset=options.get("dataset", "cifar10"), state="trained", c=c)
    )
    archs = option_list(options, "archs", ["all"])
    return rows if archs == ["all"] else select(rows, arch=archs)


def depth_norm() -> mpl.colors.Normalize:
    """Colour normalisation of depths over the whole registry (same colours in every panel)."""
    depths = [spec.depth for spec in ARCHITECTURES.values()]
    return mpl.colors.LogNorm(min(depths), max(depths))


def error_scatter(
    ax: Axes, rows: pd.DataFrame, value: str = "R", errorbars: bool = False, fits: bool = True
) -> str:
    """Test error vs `value` (R, D or G), one point per architecture; returns the fit summary.

    Fits eps = a value^b (free, grey full) and eps = a value^(1/2) (grey dashed, only for R).
    """
    cmap, norm = mpl.colormaps[DEPTH_CMAP], depth_norm()
    if not rows.empty:  # an undefined value (collapsed network) is not a point
        rows = rows[np.isfinite(rows[value].to_numpy(dtype=float))]
    for _, row in rows.iterrows():
        spec = ARCHITECTURES.get(row["arch"])
        color = cmap(norm(spec.depth)) if spec else "0.5"
        marker = BATCHNORM_MARKERS[bool(spec and spec.batchnorm)]
        if errorbars:
            one = rows.loc[[row.name]]
            ax.errorbar(
                row[value],
                row["test_error"],
                xerr=log_band(one, value),
                yerr=log_band(one, "test_error"),
                color=color,
                lw=0.7,
                capsize=1.5,
                zorder=1,
            )
        ax.scatter(
            row[value],
            row["test_error"],
            color=color,
            marker=marker,
            s=22,
            edgecolor="k",
            linewidth=0.4,
            zorder=2,
        )
        tag = arch_tag(bool(spec and spec.skip), bool(spec and spec.transfer))
        ax.annotate(
            row["arch"].replace("-transfer", "") + tag,
            (row[value], row["test_error"]),
            xytext=(4, 2),
            textcoords="offset points",
            fontsize=5,
        )
    clean_log_axes(ax)
    ax.margins(x=0.15, y=0.1)
    ax.set_xlabel(QUANTITY_LABELS[value])
    ax.set_ylabel(r"test error $\epsilon_t$")
    if rows.empty:
        return "no points"
    x = rows[value].to_numpy(dtype=float)
    y = rows["test_error"].to_numpy(dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if not fits or keep.sum() < 3 or np.ptp(np.log(x[keep])) == 0:
        return f"{int(keep.sum())} distinct points: too few for a fit"
    grid = np.geomspace(x[keep].min() / 1.5, x[keep].max() * 1.5, 50)
    free = fit_power_law(x, y)
    q = QUANTITY_LABELS[value].strip("$")
    ax.plot(grid, free(grid), color="0.4", lw=0.8)
    summary = rf"free fit: $\epsilon_t={free.prefactor:.2g}\,{q}^{{{free.exponent:.2f}}}$"
    if value == "R":
        half = fit_power_law(x, y, exponent=0.5)
        ax.plot(grid, half(grid), color="0.4", lw=0.8, ls="--")
        summary += "\n" + rf"dashed: $\epsilon_t={half.prefactor:.2g}\sqrt{{{q}}}$"
    summary += "\n" + rf"corr(log $\epsilon_t$, log ${q}$) $= {log_correlation(x, y):.2f}$"
    # in the x label's place, away from the points (the layout makes room for it)
    ax.set_xlabel(QUANTITY_LABELS[value] + "\n" + summary, fontsize=6, linespacing=1.4)
    return summary


def add_depth_colorbar(fig: Figure, axes) -> None:
    """A colour bar of depth (number of weight layers) beside `axes`."""
    mappable = mpl.cm.ScalarMappable(norm=depth_norm(), cmap=DEPTH_CMAP)
    bar = fig.colorbar(mappable, ax=axes, label="depth (weight layers)", fraction=0.05, pad=0.02)
    bar.set_ticks([2, 5, 10, 20, 50], labels=["2", "5", "10", "20", "50"])
    bar.minorticks_off()


def missing_archs(rows: pd.DataFrame, options: Mapping[str, str]) -> list[str]:
    """Requested architectures (option archs, not 'all') absent from `rows`."""
    archs = option_list(options, "archs", ["all"])
    return [] if archs == ["all"] else [a for a in archs if a not in set(rows["arch"])]


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Test error vs R_f on the comparison data set. Reads logavg.csv."""
    logavg = load_input(inputs, "logavg.csv")
    rows = comparison_rows(logavg, options)
    fig, ax = new_figure(width=COLUMN_WIDTH + 0.9, height=2.9, layout="constrained")
    error_scatter(ax, rows, "R", errorbars=option_bool(options, "errorbars", False))
    headline = Headline.from_options(options)
    ax.set_title(
        panel_title(
            dataset_label(options.get("dataset", "cifar10")),
            size_label(rows),
            f"c = {headline.c:g}",
            f"δ = {headline.delta:g}",
        )
    )
    add_depth_colorbar(fig, ax)
    missing = [] if logavg is not None else ["logavg.csv"]
    if rows.empty:
        missing.append("trained largest-P rows of the comparison data set")
    return finish(fig, options, missing + missing_archs(rows, options), logavg)
