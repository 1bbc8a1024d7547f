"""Fig. 6: G_f, D_f and R_f vs P; data sets in columns, architectures in rows, lines per c.

Options: archs (ResNet18,EfficientNetB0), datasets (mnist,fashionmnist,cifar10 | all),
statistic, noise_norm, interpolation, errorbars (no), note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.options import datasets_option, option_bool, option_list
from diffeo_stability.figures.panels import (
    LOG_BARS,
    clean_log_axes,
    finish,
    seeds_label,
    size_curve,
)
from diffeo_stability.figures.style import QUANTITY_COLORS, new_figure, panel_title
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import cutoffs, dataset_label, load_input, select

CUTOFF_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "v")]
QUANTITY_NAMES = {"G": "$G_f$", "D": "$D_f$", "R": "$R_f$"}


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Panel grid archs x data sets of trained G_f, D_f, R_f vs P. Reads logavg.csv."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    archs = option_list(options, "archs", ["ResNet18", "EfficientNetB0"])
    datasets = datasets_option(options, logavg)
    errorbars = option_bool(options, "errorbars", False)
    fig, axes = new_figure(
        layout="constrained",
        height=2.0 * len(archs) + 0.4,
        nrows=len(archs),
        ncols=max(len(datasets), 1),
        squeeze=False,
    )
    missing = [] if logavg is not None else ["logavg.csv"]
    all_c = cutoffs(probe.rows(logavg))
    for row, arch in zip(axes, archs, strict=True):
        for ax, dataset in zip(row, datasets, strict=False):
            rows = probe.rows(logavg, arch=arch, dataset=dataset)
            drawn = False
            for k, c in enumerate(all_c):
                ls, marker = CUTOFF_STYLES[k % len(CUTOFF_STYLES)]
                for q, color in QUANTITY_COLORS.items():
                    drawn |= size_curve(
                        ax,
                        select(rows, c=c),
                        q,
                        f"{q} c={c:g}",
                        color,
                        errorbars,
                        ls=ls,
                        marker=marker,
                        markersize=2.5,
                    )
            if not drawn:
                missing.append(f"{arch} on {dataset_label(dataset)} vs P")
            clean_log_axes(ax)
            ax.set_title(panel_title(arch, dataset_label(dataset), seeds_label(rows)))
            ax.set_xlabel("training-set size $P$")
        row[0].set_ylabel("$G_f$, $D_f$, $R_f$ (trained)")
    handles = [
        Line2D([], [], color=col, label=QUANTITY_NAMES[q]) for q, col in QUANTITY_COLORS.items()
    ]
    for k, c in enumerate(all_c):
        ls, marker = CUTOFF_STYLES[k % len(CUTOFF_STYLES)]
        handles.append(Line2D([], [], color="0.3", ls=ls, marker=marker, label=f"c={c:g}"))
    # right of the panels, level with the top row's axes (clear of the titles)
    fig.legend(handles=handles, loc="outside right center", frameon=False)
    drawn = probe.rows(logavg, arch=archs, dataset=datasets)
    notes = [LOG_BARS] if errorbars else []
    return finish(fig, options, missing, drawn, load_input(inputs, "training.csv"), notes)
