"""Simple local nets: R_f of the trained nets against P, one panel per data set, one line per
variant (convolution or locally connected layer; whole net or only the read-out trained), and
R_f of the initial nets (dotted, open markers: the reference that shows whether training
lowers R_f; a variant trained whole and its read-out-only twin share one initial net).

The slides' question: with only the read-out trained, a net can pool over channels but not over
space. Options: datasets (cifar10,mnist | all), c, statistic, noise_norm, interpolation, note.
Variants are the registered names LocalCNN, LocalCNN-readout, LocalLCN, LocalLCN-readout
(default sizes); `mechanisms_local_sizes` shows the other sizes. The legend lists what is
drawn. The figure does not know which runs the config planned, so it names no variant as
missing: only a data set of the `datasets` option without any local net is listed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from diffeo_stability.figures.net_panels import finish_runs
from diffeo_stability.figures.options import datasets_option, option_list
from diffeo_stability.figures.panels import mark_absent, readable_log_ticks, size_curve
from diffeo_stability.figures.style import COLUMN_WIDTH, new_figure, outside_legend
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import by_size, dataset_label, load_input, select

#: variant -> (colour by hidden layer, line style by what is trained)
VARIANTS = {
    "LocalCNN": ("tab:blue", "-"),
    "LocalCNN-readout": ("tab:blue", "--"),
    "LocalLCN": ("tab:red", "-"),
    "LocalLCN-readout": ("tab:red", "--"),
}
DEFAULT_DATASETS = ["cifar10", "mnist"]
#: the hidden layer and the training of a variant's colour and line style (legend labels)
COLOR_LABELS = {"tab:blue": "convolution", "tab:red": "locally connected"}
STYLE_LABELS = {"-": "whole net trained", "--": "read-out only"}
#: the line of the initial nets
INIT_STYLE = {"ls": ":", "marker": "o", "mfc": "none", "lw": 1.0}


def legend_handles(drawn: set[tuple[str, str]], init: bool) -> list[Line2D]:
    """Colour = hidden layer, line style = what is trained, of the (colour, style) pairs
    drawn; the initial nets' line when `init` is drawn."""
    colors = [c for c in COLOR_LABELS if any(c == color for color, _ in drawn)]
    styles = [s for s in STYLE_LABELS if any(s == style for _, style in drawn)]
    handles = [Line2D([], [], color=c, label=COLOR_LABELS[c]) for c in colors]
    handles += [Line2D([], [], color="0.3", ls=s, label=STYLE_LABELS[s]) for s in styles]
    if init:
        label = "initial net (both trainings)"
        handles.append(Line2D([], [], color="0.3", **INIT_STYLE, label=label))
    return handles


def init_curve(ax: Axes, x: np.ndarray, y: np.ndarray, color: str) -> bool:
    """R_f of initial nets (dotted, open markers) at the abscissae x; False when none is
    finite."""
    keep = np.isfinite(y) & (y > 0)
    if not keep.any():
        return False
    ax.plot(x[keep], y[keep], color=color, **INIT_STYLE)
    return True


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """R_f(P) of the four variants per data set, trained and initial. Reads logavg.csv (figure
    input `local_nets`) and training.csv (the banner)."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    datasets = option_list(options, "datasets", DEFAULT_DATASETS)
    if datasets == ["all"]:
        datasets = datasets_option(options, logavg)
    fig, axes = new_figure(
        width=max(COLUMN_WIDTH, 2.6 * len(datasets) + 1.4),
        height=2.6,
        ncols=len(datasets),
        squeeze=False,
        layout="constrained",
    )
    missing = [] if logavg is not None else ["logavg.csv"]
    curves = []  # the rows drawn, for the banner
    drawn: set[tuple[str, str]] = set()
    init_drawn = False
    for ax, dataset in zip(axes[0], datasets, strict=True):
        here = []
        for arch, (color, style) in VARIANTS.items():
            rows = probe.rows(logavg, arch=arch, dataset=dataset, c=probe.c)
            if not size_curve(ax, rows, "R", arch, color, ls=style, marker="o"):
                continue
            here.append(rows)
            drawn.add((color, style))
            curves.append(rows)
            init = by_size(select(rows, state="init"))
            x, y = (init[k].to_numpy(dtype=float) for k in ("n_train", "R"))
            init_drawn |= init_curve(ax, x, y, color)
        ax.set_title(f"{dataset_label(dataset)}: local nets")
        if not here:
            mark_absent(ax, f"local nets on {dataset_label(dataset)}")
            missing.append(f"local nets on {dataset_label(dataset)}")
            continue
        ax.set_xscale("log")
        ax.set_yscale("log")
        sizes = sorted(set(pd.concat(here)["n_train"].astype(float)))
        ax.set_xticks(sizes, [f"{v:g}" for v in sizes])
        ax.xaxis.set_minor_locator(NullLocator())
        readable_log_ticks(ax.yaxis)
        ax.set_xlabel("training-set size $P$")
        ax.set_ylabel(rf"$R_f(\delta={probe.delta:g})$, $c={probe.c:g}$")
    outside_legend(axes[0, -1], handles=legend_handles(drawn, init_drawn))
    return finish_runs(fig, options, missing, pd.concat(curves) if curves else None, inputs)
