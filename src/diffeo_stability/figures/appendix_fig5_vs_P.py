"""Appendix (the paper's Fig. 18): how the training-set size P moves the nets of the P sweeps in
Fig. 5's (R_f, test error) plane: one panel per data set, one line per net through its trained
nets in order of P, markers growing with P, the paper's law 0.2 sqrt(R_f) dotted.

Options: datasets (the paper's three; "all": every data set of the table), archs (the four nets
of the P sweeps: ResNet18, EfficientNetB0, FullConnL4, LeNet), c, statistic, noise_norm,
interpolation, cutoff_rule, delta (the headline's), note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.fig5_error_vs_rf import PAPER_LAW, PAPER_STYLE, scatter_figure
from diffeo_stability.figures.options import datasets_option, option_list
from diffeo_stability.figures.panels import (
    clean_log_axes,
    finish,
    mark_absent,
    readable_log_ticks,
    seeds_label,
)
from diffeo_stability.figures.style import TEXT_WIDTH, panel_title
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import by_size, dataset_label, load_input, select

#: the nets of the paper's P sweeps (its Figs. 3, 4 and 18)
SWEEP_ARCHS = ("ResNet18", "EfficientNetB0", "FullConnL4", "LeNet")
#: marker areas (points^2) of the smallest and the largest P
MARKER_AREAS = (6.0, 60.0)


def arch_colors(archs: Sequence[str]) -> dict[str, tuple]:
    """One colour per architecture, the same in every panel."""
    cmap = mpl.colormaps["tab10"]
    return {arch: cmap(k % 10) for k, arch in enumerate(archs)}


def marker_areas(sizes: np.ndarray, low: float, high: float) -> np.ndarray:
    """Marker areas growing with log P from `MARKER_AREAS[0]` at `low` to [1] at `high`."""
    small, large = MARKER_AREAS
    if high <= low:
        return np.full(len(sizes), large)
    return small + (large - small) * np.log(sizes / low) / np.log(high / low)


def sweep_line(ax: Axes, rows: pd.DataFrame, color, low: float, high: float) -> bool:
    """One net's trained (R_f, test error) in order of P: a line, markers growing with P.
    Rows whose R_f is undefined for some seed are left out (their R_f and error would not
    come from the same runs). False when nothing is drawn."""
    if rows.empty:
        return False
    undefined = rows.get("n_undefined", pd.Series(0, index=rows.index))
    rows = by_size(rows[~(pd.to_numeric(undefined, errors="coerce") > 0)])
    x, y = rows["R"].to_numpy(dtype=float), rows["test_error"].to_numpy(dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if not keep.any():
        return False
    sizes = rows["n_train"].to_numpy(dtype=float)[keep]
    ax.plot(x[keep], y[keep], color=color, lw=0.9, zorder=1)
    areas = marker_areas(sizes, low, high)
    ax.scatter(x[keep], y[keep], s=areas, color=color, edgecolor="k", linewidth=0.4, zorder=2)
    return True


def paper_law(ax: Axes) -> None:
    """The paper's eps_t = 0.2 sqrt(R_f) across the panel's R_f range."""
    low, high = ax.get_xlim()
    grid = np.geomspace(low, high, 50)
    a, b = PAPER_LAW
    ax.plot(grid, a * grid**b, **PAPER_STYLE, zorder=0)
    ax.set_xlim(low, high)


def legend_handles(colors: Mapping[str, tuple], low: float, high: float) -> list[Line2D]:
    """The nets' colours, the marker sizes of the smallest and largest P, the paper's law."""
    handles = [Line2D([], [], color=c, marker="o", ms=4, label=a) for a, c in colors.items()]
    for size, area in zip((low, high), MARKER_AREAS, strict=True):
        handles.append(
            Line2D([], [], ls="", marker="o", color="0.6", ms=np.sqrt(area), label=f"P = {size:g}")
        )
    a, b = PAPER_LAW
    label = rf"paper (Fig. 5, CIFAR-10): $\epsilon_t={a:g}\,R_f^{{{b:g}}}$"
    handles.append(Line2D([], [], **PAPER_STYLE, label=label))
    return handles


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """One panel per data set: test error vs R_f of the trained nets of the P sweeps, one line
    per net in order of P. Reads logavg.csv (and training.csv for the banner)."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    datasets = datasets_option(options, logavg)
    archs = option_list(options, "archs", SWEEP_ARCHS)
    colors = arch_colors(archs)
    trained = probe.rows(logavg, dataset=datasets, arch=archs, state="trained", c=probe.c)
    sizes = trained["n_train"].to_numpy(dtype=float) if not trained.empty else np.array([1.0])
    low, high = float(sizes.min()), float(sizes.max())
    fig, axes, slot = scatter_figure(list(datasets), TEXT_WIDTH, 3.2)
    missing = [] if logavg is not None else ["logavg.csv"]
    for ax, dataset in zip(axes, datasets, strict=True):
        here = select(trained, dataset=dataset)
        drawn = [
            arch
            for arch in archs
            if sweep_line(ax, select(here, arch=arch), colors[arch], low, high)
        ]
        missing += [f"{arch} on {dataset_label(dataset)}" for arch in archs if arch not in drawn]
        seeds = seeds_label(here) + " per point"
        ax.set_title(panel_title(dataset_label(dataset), f"c = {probe.c:g}", seeds))
        if not drawn:
            mark_absent(ax, f"trained {', '.join(archs)} on {dataset_label(dataset)}")
            continue
        clean_log_axes(ax)
        readable_log_ticks(ax.yaxis)
        ax.margins(0.15)
        paper_law(ax)
        ax.set_xlabel(r"$R_f$")
        ax.set_ylabel(r"test error $\epsilon_t$")
    slot.legend(
        handles=legend_handles(colors, low, high),
        loc="center",
        ncols=4,
        frameon=False,
        fontsize=6,
    )
    training = load_input(inputs, "training.csv")
    return finish(fig, options, missing, trained, training)
