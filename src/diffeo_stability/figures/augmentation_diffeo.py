"""What diffeo augmentation does (config/cpu-aug.yaml; issue 35): the test error and R_f
(headline point) against P under each augmentation option, one column per net, and every
(net, option, P) in the (R_f, eps_t) plane (right; marker size grows with P).

Reads logavg.csv (geometric means over seeds, rows with an `augmentation` column) and
training.csv (the banner). Options: the headline keys, note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from diffeo_stability.figures.arm_panels import (
    ARM_STYLES,
    VALUE_LABELS,
    arm_handles,
    arm_rows,
    arms_of,
    compared_nets,
    curve_against_p,
)
from diffeo_stability.figures.panels import LOG_BARS, clean_log_axes, finish, mark_absent
from diffeo_stability.figures.style import (
    BATCHNORM_MARKERS,
    TEXT_WIDTH,
    new_figure,
    outside_legend,
    panel_title,
)
from diffeo_stability.tables.queries import load_input, select

VALUES = ("test_error", "R")


def plane(ax: Axes, rows: pd.DataFrame, nets: list[str]) -> None:
    """Each (net, option, P) at (R_f, eps_t): colour by option, marker by net (circle for the
    first net, diamond for the second, ...), size growing with P."""
    markers = [*BATCHNORM_MARKERS.values(), "s", "^", "v"]
    sizes = np.log10(rows["n_train"].to_numpy(float))
    low = sizes.min() if len(sizes) else 0.0
    for index, arch in enumerate(nets):
        for arm in arms_of(rows):
            points = select(rows, arch=arch, augmentation=arm)
            size = 8 + 14 * (np.log10(points["n_train"].to_numpy(float)) - low)
            ax.scatter(
                points["R"],
                points["test_error"],
                s=size,
                marker=markers[index % len(markers)],
                color=ARM_STYLES[arm][0],
                alpha=0.85,
                label=arch if arm == arms_of(rows)[0] else None,
            )
    clean_log_axes(ax)
    ax.set_xlabel(VALUE_LABELS["R"])
    ax.set_ylabel(VALUE_LABELS["test_error"])
    ax.set_title(panel_title("all nets, options, P"))


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """2 rows (test error, R_f) x one column per net, and the (R_f, eps_t) plane on the right."""
    logavg = load_input(inputs, "logavg.csv")
    training = load_input(inputs, "training.csv")
    rows = arm_rows(logavg, options)
    nets = compared_nets(rows)
    ncols = max(len(nets), 1) + 1
    fig, axes = new_figure(
        width=min(TEXT_WIDTH, 1.7 * ncols + 1.3),
        height=3.8,
        nrows=len(VALUES),
        ncols=ncols,
        squeeze=False,
        layout="constrained",
    )
    grid = axes[0, -1].get_gridspec()
    for ax in axes[:, -1]:
        ax.remove()
    plane_ax = fig.add_subplot(grid[:, -1])
    missing = [] if logavg is not None else ["logavg.csv"]
    if rows.empty:
        missing.append("trained rows under several augmentation options (column augmentation)")
        mark_absent(axes[0, 0], "no augmentation arms")
    for col, arch in enumerate(nets):
        for ax, value in zip(axes[:, col], VALUES, strict=True):
            for arm in arms_of(rows):
                curve_against_p(ax, select(rows, arch=arch, augmentation=arm), value, arm)
        axes[0, col].set_title(panel_title(arch))
        axes[-1, col].set_xlabel("training-set size P")
    for ax, value in zip(axes[:, 0], VALUES, strict=True):
        ax.set_ylabel(VALUE_LABELS[value])
    if nets:
        plane(plane_ax, rows, nets)
        outside_legend(
            plane_ax,
            handles=[*arm_handles(arms_of(rows)), *plane_ax.get_legend_handles_labels()[0]],
        )
    else:
        mark_absent(plane_ax, "no augmentation arms")
    return finish(fig, options, missing, rows, training, [LOG_BARS] if nets else [])
