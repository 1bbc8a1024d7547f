"""Mechanisms: do 3x3 filters become low-pass over training? For every 3x3 convolution layer,
c_{t,lambda} / c_{0,lambda} (energy of the filters on the Laplacian eigenvalue lambda after
epoch t, over that at initialisation; linear scale) against t, one line per lambda:
geometric mean over seeds, the band their range (lowest to highest seed), both named in the
legend; the banner names the runs (P, epochs, width, seeds) from training.csv.

Reads tables/filter_spectrum.csv. Options: note.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from diffeo_stability.figures.net_panels import finish_runs
from diffeo_stability.figures.panels import mark_absent
from diffeo_stability.figures.style import TEXT_WIDTH, new_figure, outside_legend
from diffeo_stability.tables.queries import dataset_label, load_input

#: panels per row
COLUMNS = 6


def energy_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with `ratio` = energy / energy at epoch 0 of the same run, layer and eigenvalue."""
    keys = ["dataset", "arch", "P", "seed", "layer", "eigenvalue"]
    initial = table[table["epoch"] == 0].set_index(keys)["energy"]
    start = initial.reindex(pd.MultiIndex.from_frame(table[keys])).to_numpy()
    return table.assign(ratio=table["energy"].to_numpy() / start)


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """One panel per (data set, arch, P, 3x3 layer): c_t / c_0 against the epoch per lambda."""
    table = load_input(inputs, "filter_spectrum.csv")
    missing = [] if table is not None else ["filter_spectrum.csv"]
    rows = energy_ratios(table) if table is not None and not table.empty else None
    panels = [] if rows is None else list(rows.groupby(["dataset", "arch", "P", "layer"]))
    nrows = max(math.ceil(len(panels) / COLUMNS), 1)
    fig, axes = new_figure(
        width=TEXT_WIDTH,
        height=1.3 * nrows + 0.8,
        nrows=nrows,
        ncols=COLUMNS,
        squeeze=False,
        sharex=True,
        layout="constrained",
    )
    flat = axes.ravel()
    eigenvalues = [] if rows is None else sorted(set(rows["eigenvalue"]))
    colors = mpl.colormaps["viridis"](np.linspace(0, 0.9, max(len(eigenvalues), 1)))
    if not panels:
        missing.append("3x3 filters of snapshots")
        mark_absent(flat[0], "3x3 filters of snapshots")
    for ax, ((_, arch, _, layer), panel) in zip(flat, panels, strict=False):
        for color, value in zip(colors, eigenvalues, strict=False):
            line = panel[panel["eigenvalue"] == value]
            ratio = line.pivot_table(index="epoch", columns="seed", values="ratio")
            epochs, values = ratio.index.to_numpy(dtype=float), ratio.to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.exp(np.nanmean(np.log(values), axis=1))
            ax.fill_between(epochs, values.min(axis=1), values.max(axis=1), color=color, alpha=0.2)
            ax.plot(epochs, mean, color=color, lw=1.0)
        ax.axhline(1.0, color="0.5", lw=0.6, ls=":")
        name = panel["layer_name"].iloc[0].removeprefix("blocks.").removesuffix(".weight")
        ax.set_title(f"{arch} L{layer}\n{name}", fontsize=5.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.tick_params(labelsize=6)
    for ax in flat[len(panels) :] if panels else flat[1:]:
        ax.set_axis_off()
    if panels:
        runs = sorted({(d, a, p) for d, a, p, _ in (key for key, _ in panels)})
        where = "; ".join(f"{a} {dataset_label(d)} P={p}" for d, a, p in runs)
        fig.supylabel(r"$c_{t,\lambda} / c_{0,\lambda}$", fontsize=8)
        fig.supxlabel(f"epoch t ({where})", fontsize=7)
        handles = [
            Line2D([], [], color=c, label=rf"$\lambda={v:g}$")
            for c, v in zip(colors, eigenvalues, strict=False)
        ]
        handles += [
            Line2D([], [], color="0.3", lw=1.0, label="geometric mean\nover seeds"),
            Patch(color="0.3", alpha=0.2, label="range over seeds\n(lowest to highest)"),
        ]
        outside_legend(flat[min(len(panels), COLUMNS) - 1], handles=handles)
    return finish_runs(fig, options, missing, table, inputs)
