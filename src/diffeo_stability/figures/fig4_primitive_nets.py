"""Fig. 4: primitive nets (FC, LeNet): R_f init vs trained per data set | R_f(P) per data set.

Options: archs (FullConnL4,LeNet), datasets (mnist,fashionmnist,cifar10 | all), c (3),
statistic, noise_norm, note.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures.options import datasets_option, option_list
from diffeo_stability.figures.panels import finish, size_panel, stability_bars
from diffeo_stability.figures.style import new_figure
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import load_input


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Columns = architectures; top: bars at the largest P, bottom: R_f(P). Reads logavg.csv."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    archs = option_list(options, "archs", ["FullConnL4", "LeNet"])
    datasets = datasets_option(options, logavg)
    c = probe.c
    fig, axes = new_figure(
        height=4.6, nrows=2, ncols=len(archs), squeeze=False, layout="constrained"
    )
    missing = [] if logavg is not None else ["logavg.csv"]
    for col, arch in enumerate(archs):
        missing += stability_bars(axes[0, col], logavg, arch, datasets, probe)
        missing += size_panel(axes[1, col], logavg, arch, datasets, probe, c, triangle=False)
    drawn = probe.rows(logavg, arch=archs, dataset=datasets)
    return finish(fig, options, missing, drawn, load_input(inputs, "training.csv"))
