"""Mechanisms, item 4: shuffled channels. The channels of one hidden block are permuted (one
random order for every input); R_f (left) and the test error (right) of the net against the
block shuffled, the mean over the permutations with their range as error bars; horizontal
lines: the standard net. Initial nets dashed / open, trained solid / filled. Options: dataset,
archs, the headline keys (statistic, noise norm, c, delta), note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from diffeo_stability.figures.net_panels import (
    finish_runs,
    net_rows,
    readable_log_axis,
    shared_legend,
)
from diffeo_stability.figures.panels import mark_absent
from diffeo_stability.figures.style import STATE_LINESTYLES, panel_title
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, select

STATE_COLORS = {"init": "tab:gray", "trained": "tab:blue"}


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Panels (nets x {R_f, test error}) against the shuffled block."""
    grid = net_rows(inputs, options, "shuffle.csv", ncols=2, row_height=1.8, extra_height=0.5)
    dataset, archs, fig, axes, missing = grid.dataset, grid.archs, grid.fig, grid.axes, grid.missing
    headline = Headline.from_options(options)
    rows = select(grid.rows, statistic=headline.statistic, noise_norm=headline.noise_norm)
    for ax_row, arch in zip(axes, archs or [""], strict=True):
        for panel, column in zip(ax_row, ("R", "test_error"), strict=True):
            net = select(rows, arch=arch)
            if net.empty:
                mark_absent(panel, arch or "any net")
                missing.append(arch or "nets")
                continue
            for state in ("init", "trained"):
                points = select(net, state=state)
                standard = points[points["permutation"] < 0]
                shuffled = points[points["permutation"] >= 0].groupby("layer")[column]
                stats = shuffled.agg(["mean", "min", "max"]).reset_index()
                if stats.empty:
                    continue
                color = STATE_COLORS[state]
                panel.errorbar(
                    stats["layer"],
                    stats["mean"],
                    yerr=np.vstack([stats["mean"] - stats["min"], stats["max"] - stats["mean"]]),
                    color=color,
                    ls=STATE_LINESTYLES[state],
                    marker="o",
                    markersize=3,
                    mfc=color if state == "trained" else "none",
                    capsize=2,
                    label=f"{state}, shuffled",
                )
                if not standard.empty:
                    panel.axhline(
                        float(standard[column].iloc[0]),
                        color=color,
                        lw=0.8,
                        ls=":",
                        label=f"{state}, standard",
                    )
            names = net.drop_duplicates("layer").query("layer > 0").sort_values("layer")
            panel.set_xticks(names["layer"], names["layer_name"], rotation=45, fontsize=6)
            panel.set_xlabel("block whose channels are shuffled")
            if column == "R":
                panel.set_yscale("log")
                readable_log_axis(panel.yaxis)
                panel.set_ylabel(r"$R_f$")
            else:
                panel.set_ylabel("test error")
            panel.set_title(panel_title(arch, dataset_label(dataset), f"c = {headline.c:g}"))
    shared_legend(fig, axes.flat, columns=4)
    return finish_runs(fig, options, missing, rows, inputs)
