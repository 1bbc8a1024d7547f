"""Mechanisms: R_f, D_f, G_f (headline point) and the test error against the training epoch,
one column per (data set, architecture, P), each seed a thin line, their mean a thick one: the
geometric mean over the seeds for R_f, D_f and G_f, the arithmetic mean for the test error (no
bands). The banner names the runs (P, epochs, width, seeds) from training.csv.

Reads tables/training_time.csv (the probes of the runs' snapshots; epoch 0 = the initial net,
probed with batch statistics as everywhere). Options: the headline keys, note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, MaxNLocator

from diffeo_stability.figures.net_panels import finish_runs, readable_log_axis
from diffeo_stability.figures.panels import mark_absent, quiet_minor_labels
from diffeo_stability.figures.style import (
    QUANTITY_COLORS,
    TEXT_WIDTH,
    new_figure,
    outside_legend,
    panel_title,
)
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, load_input, select

#: the rows of panels: column of the table, axis label, log scale
QUANTITIES = (
    ("R", r"$R_f$", True),
    ("D", r"$D_f$", True),
    ("G", r"$G_f$", True),
    ("test_error", "test error", False),
)
ERROR_COLOR = "0.2"


def seed_curves(rows: pd.DataFrame, value: str) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Per seed the (epochs, values) curve of `value`, and the epochs with their mean over
    seeds (geometric for positive quantities, arithmetic for the test error)."""
    curves = [
        group.sort_values("epoch")[["epoch", value]].to_numpy(dtype=float).T
        for _, group in rows.groupby("seed")
    ]
    table = rows.pivot_table(index="epoch", columns="seed", values=value, aggfunc="first")
    values = table.to_numpy(dtype=float)
    if value == "test_error":
        mean = np.nanmean(values, axis=1)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.exp(np.nanmean(np.log(np.where(values > 0, values, np.nan)), axis=1))
    return curves, table.index.to_numpy(dtype=float), mean


def plain_log_labels(ax: Axes) -> None:
    """Log y axis: labels as plain numbers (4 digits) where it spans less than a decade (the
    default 1.1 x 10^0 clutters), else the major labels only."""
    low, high = ax.get_ylim()
    if low > 0 and high / low < 10:
        for set_formatter in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            set_formatter(FormatStrFormatter("%.4g"))
    else:
        quiet_minor_labels(ax)


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """4 rows (R_f, D_f, G_f, test error) x one column per (data set, arch, P)."""
    table = load_input(inputs, "training_time.csv")
    probe = Headline.from_options(options)
    rows = probe.rows(table, c=probe.c)
    runs = [] if rows.empty else sorted(set(map(tuple, rows[["dataset", "arch", "P"]].values)))
    ncols = max(len(runs), 1)
    fig, axes = new_figure(
        width=min(TEXT_WIDTH, 2.2 * ncols + 1.2),
        height=5.6,
        nrows=len(QUANTITIES),
        ncols=ncols,
        sharex="col",
        squeeze=False,
        layout="constrained",
    )
    missing = [] if table is not None else ["training_time.csv"]
    if not runs:
        missing.append(f"snapshot probes at c = {probe.c:g}, {probe.point}")
        for ax in axes[:, 0]:
            mark_absent(ax, "snapshot probes")
    for col, (dataset, arch, P) in enumerate(runs):
        run = select(rows, dataset=dataset, arch=arch, P=P)
        seeds = sorted(set(run["seed"]))
        for ax, (value, label, log) in zip(axes[:, col], QUANTITIES, strict=True):
            color = QUANTITY_COLORS.get(value, ERROR_COLOR)
            curves, epochs, mean = seed_curves(run, value)
            for x, y in curves:
                ax.plot(x, y, color=color, lw=0.6, alpha=0.5, marker="o", ms=2)
            ax.plot(epochs, mean, color=color, lw=1.8)
            if log:
                ax.set_yscale("log")
                plain_log_labels(ax)
                readable_log_axis(ax.yaxis)
            if col == 0:
                ax.set_ylabel(label)
        axes[0, col].set_title(
            panel_title(arch, dataset_label(dataset), f"P={P}", f"{len(seeds)} seeds")
        )
        axes[-1, col].set_xlabel("epoch (0 = init)")
        axes[-1, col].xaxis.set_major_locator(MaxNLocator(integer=True))
    if runs:
        handles = [
            Line2D([], [], color="0.4", lw=0.6, alpha=0.5, marker="o", ms=2, label="one seed"),
            Line2D(
                [],
                [],
                color="0.4",
                lw=1.8,
                label="mean over seeds: geometric\n"
                r"($R_f$, $D_f$, $G_f$), arithmetic (error)",
            ),
        ]
        outside_legend(axes[0, -1], handles=handles)
    return finish_runs(fig, options, missing, rows, inputs)
