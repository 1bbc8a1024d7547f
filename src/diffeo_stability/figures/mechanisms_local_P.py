"""Simple local nets: R_f of the trained nets against P, one panel per data set, one line per
variant (convolution or locally connected layer; whole net or only the read-out trained).

The slides' question: with only the read-out trained, a net can pool over channels but not over
space. Options: datasets (cifar10,mnist | all), c, statistic, noise_norm, interpolation, note.
Variants are the registered names LocalCNN, LocalCNN-readout, LocalLCN, LocalLCN-readout
(default sizes); `mechanisms_local_sizes` shows the other sizes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.options import datasets_option, option_list
from diffeo_stability.figures.panels import clean_log_axes, finish, mark_absent, size_curve
from diffeo_stability.figures.style import COLUMN_WIDTH, new_figure, outside_legend
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, load_input

#: variant -> (colour by hidden layer, line style by what is trained)
VARIANTS = {
    "LocalCNN": ("tab:blue", "-"),
    "LocalCNN-readout": ("tab:blue", "--"),
    "LocalLCN": ("tab:red", "-"),
    "LocalLCN-readout": ("tab:red", "--"),
}
DEFAULT_DATASETS = ["cifar10", "mnist"]


def legend_handles() -> list[Line2D]:
    """Colour = hidden layer, line style = what is trained."""
    return [
        Line2D([], [], color="tab:blue", label="convolution"),
        Line2D([], [], color="tab:red", label="locally connected"),
        Line2D([], [], color="0.3", ls="-", label="whole net trained"),
        Line2D([], [], color="0.3", ls="--", label="read-out only"),
    ]


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """R_f(P) of the four variants per data set. Reads logavg.csv (figure input `local_nets`)."""
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
    curves = []  # the rows drawn, for the scale banner
    for ax, dataset in zip(axes[0], datasets, strict=True):
        drawn = 0
        for arch, (color, style) in VARIANTS.items():
            rows = probe.rows(logavg, arch=arch, dataset=dataset, c=probe.c)
            if size_curve(ax, rows, "R", arch, color, ls=style, marker="o"):
                drawn += 1
                curves.append(rows)
            else:
                missing.append(f"{arch} on {dataset_label(dataset)}")
        ax.set_title(f"{dataset_label(dataset)}: local nets, trained")
        if not drawn:
            mark_absent(ax, f"local nets on {dataset_label(dataset)}")
            continue
        clean_log_axes(ax)
        ax.set_xlabel("training-set size $P$")
        ax.set_ylabel(rf"$R_f(\delta={probe.delta:g})$, $c={probe.c:g}$")
    outside_legend(axes[0, -1], handles=legend_handles())
    return finish(fig, options, missing, pd.concat(curves) if curves else None)
