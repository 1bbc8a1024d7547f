"""Fig. 5: test error vs R_f at the largest P (the paper: full) for every architecture, fits.

Colour = depth, marker = batch-norm (diamond) or not (circle); a dagger marks skip connections
and a star transfer learning (from `models.registry.ARCHITECTURES`). Options: dataset (cifar10),
archs (all), c, statistic, noise_norm, interpolation (default: the headline's),
errorbars (no), note.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.options import option_bool, option_list
from diffeo_stability.figures.panels import clean_log_axes, finish, readable_log_ticks, seeds_label
from diffeo_stability.figures.style import (
    BATCHNORM_MARKERS,
    COLUMN_WIDTH,
    SKIP_TAG,
    TEXT_WIDTH,
    TRANSFER_TAG,
    apply_style,
    arch_tag,
    panel_title,
    point_label,
)
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.claims.per_net import PAPER_CIFAR_R
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
#: what the bars of the error-bar variant are (a legend entry: the panel keeps Fig. 5's size,
#: so its labels are placed as in Fig. 5)
ERRORBARS_LABEL = "bars: x exp(±1 SD over seeds\nof the log); none for 1 seed"
#: the paper's law eps_t = a R_f^b over its 15 CIFAR-10 nets (Fig. 5 caption: 0.2 sqrt(R_f))
PAPER_LAW = (0.2, 0.5)
#: the paper's fit line: dotted, black (the fits here are grey)
PAPER_STYLE = {"color": "k", "lw": 0.9, "ls": ":"}
#: the paper's 15 architectures of Fig. 5 (CIFAR-10, P = 50k)
PAPER_NETS = tuple(PAPER_CIFAR_R)
QUANTITY_LABELS = {"R": r"$R_f$", "D": r"$D_f$", "G": r"$G_f$"}


def comparison_rows(
    logavg: pd.DataFrame | None, options: Mapping[str, str], c: float | None = None
) -> pd.DataFrame:
    """Trained output-layer headline rows at the largest P of the comparison data set, archs
    (every row, the unpaired ones of `paired_rows` included)."""
    probe = Headline.from_options(options)
    c = probe.c if c is None else c
    rows = full_size(
        probe.rows(logavg, dataset=options.get("dataset", "cifar10"), state="trained", c=c)
    )
    archs = option_list(options, "archs", ["all"])
    return rows if archs == ["all"] else select(rows, arch=archs)


def paired_rows(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows whose R_f, D_f, G_f and test error come from the same seeds, and one note per
    architecture left out. logavg averages the test error over every seed but R_f only over
    the seeds where it is defined, so a row with undefined seeds (n_undefined > 0: an output
    collapsed to float rounding) would pair an R_f of some runs with the error of others."""
    if rows.empty or "n_undefined" not in rows:
        return rows, []
    undefined = pd.to_numeric(rows["n_undefined"], errors="coerce").fillna(0)
    unpaired = rows[undefined > 0]
    notes = [
        f"{row['arch']} not drawn: R_f defined for {int(row['n_seeds'] - row['n_undefined'])} "
        f"of {int(row['n_seeds'])} seeds (output changes at float rounding), its test error "
        "averages all: the two would not come from the same runs"
        for _, row in unpaired.drop_duplicates("arch").iterrows()
    ]
    return rows[undefined == 0], notes


def depth_norm() -> mpl.colors.Normalize:
    """Colour normalisation of depths over the whole registry (same colours in every panel)."""
    depths = [spec.depth for spec in ARCHITECTURES.values()]
    return mpl.colors.LogNorm(min(depths), max(depths))


def error_scatter(
    ax: Axes, rows: pd.DataFrame, value: str = "R", errorbars: bool = False, fits: bool = True
) -> str:
    """Test error vs `value` (R, D or G), one point per architecture, each labelled at its
    point or by a leader line (`style.point_label`); returns the correlation summary.

    Fits eps = a value^b (grey full) and, only for R, eps = a value^(1/2) (grey dashed) and
    the paper's law 0.2 sqrt(R_f) (black dotted, `PAPER_LAW`), each a line labelled with its
    equation for a legend.
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
                capsize=0,
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
        point_label(ax, row["arch"].replace("-transfer", "") + tag, row[value], row["test_error"])
    clean_log_axes(ax)
    readable_log_ticks(ax.yaxis)  # test errors span about a decade: 1, 2, 5 x 10^k labelled
    ax.margins(x=0.3, y=0.25)  # room inside the axes for the labels
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
    ax.plot(
        grid,
        free(grid),
        color="0.4",
        lw=0.8,
        label=rf"fit, free $b$: $\epsilon_t={free.prefactor:.2g}\,{q}^{{{free.exponent:.2f}}}$",
    )
    if value == "R":
        half = fit_power_law(x, y, exponent=0.5)
        ax.plot(
            grid,
            half(grid),
            color="0.4",
            lw=0.8,
            ls="--",
            label=rf"fit, $b = 1/2$: $\epsilon_t={half.prefactor:.2g}\sqrt{{{q}}}$",
        )
        a, b = PAPER_LAW
        ax.plot(
            grid,
            a * grid**b,
            **PAPER_STYLE,
            label=rf"paper (15 nets): $\epsilon_t={a:g}\sqrt{{{q}}}$",
        )
    return rf"corr(log $\epsilon_t$, log ${q}$) $= {log_correlation(x, y):.2f}$"


def marker_handles(rows: pd.DataFrame) -> list[Line2D]:
    """Legend entries of the marker language: batch-norm diamond, circle, dagger (skip
    connections), star (transfer learning, only when such a net is drawn)."""
    specs = [ARCHITECTURES[a] for a in set(rows.get("arch", [])) if a in ARCHITECTURES]
    kw = {"ls": "", "color": "0.5", "markeredgecolor": "k", "markeredgewidth": 0.4}
    handles = [
        Line2D([], [], marker=BATCHNORM_MARKERS[True], label="batch-norm", **kw),
        Line2D([], [], marker=BATCHNORM_MARKERS[False], label="no batch-norm", **kw),
        Line2D([], [], ls="", label=f"{SKIP_TAG} skip connections"),
    ]
    if any(spec.transfer for spec in specs):
        handles.append(Line2D([], [], ls="", label=f"{TRANSFER_TAG} transfer learning"))
    return handles


#: height of the legend row under scatter panels, as a fraction of a panel's
LEGEND_ROW = 0.22


def scatter_figure(
    panels: list[str], width: float, height: float
) -> tuple[Figure, list[Axes], Axes]:
    """Scatter panels side by side over a row (axis off) that holds their legend."""
    apply_style()
    fig, axes = plt.subplot_mosaic(
        [panels, ["legend"] * len(panels)],
        figsize=(width, height),
        layout="constrained",
        height_ratios=[1, LEGEND_ROW],
    )
    axes["legend"].set_axis_off()
    return fig, [axes[name] for name in panels], axes["legend"]


def scatter_legend(slot: Axes, axes, rows: pd.DataFrame, errorbars: bool = False) -> None:
    """The legend of the markers and the fit lines in `slot` (an axis-off panel): with one
    panel its fits' equations, with several the fits' line styles (the correlations are in
    the panels' titles); what the error bars are, when drawn."""
    handles = marker_handles(rows)
    if len(axes) == 1:
        handles += axes[0].get_legend_handles_labels()[0]
    else:
        styles = {line.get_linestyle() for ax in axes for line in ax.get_lines()}
        handles.append(Line2D([], [], color="0.4", lw=0.8, label="fit: free power law"))
        if "--" in styles:
            handles.append(Line2D([], [], color="0.4", lw=0.8, ls="--", label="fit: exponent 1/2"))
        if ":" in styles:
            a, b = PAPER_LAW
            label = rf"paper (15 nets, CIFAR-10): $\epsilon_t={a:g}\,R_f^{{{b:g}}}$"
            handles.append(Line2D([], [], **PAPER_STYLE, label=label))
    if errorbars:
        handles.append(Line2D([], [], color="0.4", lw=0.7, marker="|", label=ERRORBARS_LABEL))
    wide = slot.get_position().width > 2 * slot.get_position().height
    ncols = (2 if len(axes) == 1 else 3) if wide else 1  # within the panels' width
    slot.legend(handles=handles, loc="center", ncols=ncols, frameon=False, fontsize=6)


def add_depth_colorbar(fig: Figure, axes) -> None:
    """A colour bar of depth (number of weight layers) beside `axes`."""
    mappable = mpl.cm.ScalarMappable(norm=depth_norm(), cmap=DEPTH_CMAP)
    bar = fig.colorbar(mappable, ax=axes, label="depth (weight layers)", fraction=0.05, pad=0.02)
    bar.set_ticks([2, 5, 10, 20, 50], labels=["2", "5", "10", "20", "50"])
    bar.minorticks_off()


def absent_paper_nets(rows: pd.DataFrame) -> list[str]:
    """'Of the paper's 15 nets, not trained here: ...' when some of `PAPER_NETS` are not
    among the drawn rows' architectures."""
    absent = [net for net in PAPER_NETS if net not in set(rows.get("arch", []))]
    if not absent:
        return []
    return [f"Of the paper's {len(PAPER_NETS)} nets (its Fig. 5), not here: {', '.join(absent)}"]


def missing_archs(rows: pd.DataFrame, options: Mapping[str, str]) -> list[str]:
    """Requested architectures (option archs, not 'all') absent from `rows`."""
    archs = option_list(options, "archs", ["all"])
    return [] if archs == ["all"] else [a for a in archs if a not in set(rows["arch"])]


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Test error vs R_f on the comparison data set. Reads logavg.csv (and training.csv for
    the epochs in the banner)."""
    logavg = load_input(inputs, "logavg.csv")
    rows, notes = paired_rows(comparison_rows(logavg, options))
    fig, (ax,), slot = scatter_figure(["R"], COLUMN_WIDTH + 0.9, 3.6)
    errorbars = option_bool(options, "errorbars", False)
    summary = error_scatter(ax, rows, "R", errorbars=errorbars)
    notes += absent_paper_nets(rows)
    headline = Headline.from_options(options)
    ax.set_title(
        panel_title(
            dataset_label(options.get("dataset", "cifar10")),
            size_label(rows),
            f"c = {headline.c:g}",
            f"δ = {headline.delta:g}",
            seeds_label(rows) + " per point",
        )
        + f"\n{summary}"
    )
    scatter_legend(slot, [ax], rows, errorbars)
    add_depth_colorbar(fig, [ax, slot])
    missing = [] if logavg is not None else ["logavg.csv"]
    if rows.empty:
        missing.append("trained largest-P rows of the comparison data set")
    training = load_input(inputs, "training.csv")
    return finish(fig, options, missing + missing_archs(rows, options), rows, training, notes)


def error_panels(
    inputs: list[Path], options: Mapping[str, str], panels: Sequence[tuple[str, str]]
) -> Figure:
    """Test error vs a quantity, one panel per (data set, quantity: R, D or G) of `panels`, side
    by side, each with Fig. 5's points, fits and the correlation in its title; options as
    Fig. 5's but the data set of each panel. Reads logavg.csv (and training.csv)."""
    logavg = load_input(inputs, "logavg.csv")
    fig, axes, slot = scatter_figure([str(k) for k in range(len(panels))], TEXT_WIDTH, 3.6)
    drawn, notes, missing = [], [], [] if logavg is not None else ["logavg.csv"]
    for ax, (dataset, value) in zip(axes, panels, strict=True):
        rows, unpaired = paired_rows(
            comparison_rows(logavg, ChainMap({"dataset": dataset}, options))
        )
        summary = error_scatter(ax, rows, value)
        seeds = seeds_label(rows) + " per point"
        title = panel_title(dataset_label(dataset), size_label(rows), seeds)
        ax.set_title(f"{title}\n{summary}")
        if rows.empty:
            missing.append(f"trained largest-P rows of {dataset_label(dataset)}")
        drawn.append(rows)
        notes += unpaired
    rows = pd.concat(drawn)
    scatter_legend(slot, axes, rows)
    add_depth_colorbar(fig, [*axes, slot])
    missing += missing_archs(rows, options)
    training = load_input(inputs, "training.csv")
    return finish(fig, options, missing, rows, training, list(dict.fromkeys(notes)))
