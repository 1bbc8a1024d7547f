"""Mechanisms, item 1: stability against the distance from the data (the slides' "bump").

One row per net, init | trained: G_f / r^2 (isotropic noise), G'_f / r^2 (noise towards another
test image), Lambda_f / r^2 (the segment towards it) and D_f / r^2 (diffeos), each against the
mean distance r = <||x' - x||> of its perturbed images; on a second axis the fraction of noisy
images whose predicted class changed; a dotted line where R_f is measured (delta). Options:
dataset, archs, the headline keys (statistic, delta), note.
"""

from __future__ import annotations

from pathlib import Path

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

#: (kind, label, colour) of the curves
CURVES = (
    ("noise", r"$G_f/r^2$ (isotropic noise)", "tab:blue"),
    ("towards", r"$G'_f/r^2$ (towards another image)", "tab:purple"),
    ("segment", r"$\Lambda_f/r^2$ (segment to it)", "tab:gray"),
    ("diffeo", r"$D_f/r^2$ (diffeo)", "tab:orange"),
)


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Panels (nets x states) of the normalised changes over r^2 against r, log-log."""
    grid = net_rows(inputs, options, "distance.csv", ncols=2, row_height=1.9, extra_height=0.4)
    dataset, archs, fig, axes, missing = grid.dataset, grid.archs, grid.fig, grid.axes, grid.missing
    headline = Headline.from_options(options)
    rows = select(grid.rows, statistic=headline.statistic)
    for ax, arch in zip(axes, archs or [""], strict=True):
        for panel, state in zip(ax, ("init", "trained"), strict=True):
            points = select(rows, arch=arch, state=state)
            if points.empty:
                mark_absent(panel, f"{arch or 'any net'} {state}")
                missing.append(f"{arch or 'nets'} {state}")
                continue
            for kind, label, color in CURVES:
                curve = select(points, kind=kind).sort_values("r")
                panel.plot(
                    curve["r"],
                    curve["value"] / curve["r"] ** 2,
                    color=color,
                    marker="o",
                    markersize=2.5,
                    ls=STATE_LINESTYLES[state],
                    label=label,
                )
            marked = select(points, kind="diffeo", abscissa=headline.delta)
            if not marked.empty:
                panel.axvline(float(marked["r"].iloc[0]), color="0.3", ls=":", lw=0.8)
            flips = select(points, kind="noise").sort_values("r")
            twin = panel.twinx()
            twin.plot(flips["r"], flips["misclassified"], color="tab:red", lw=0.8, ls="-.")
            twin.set_ylim(0, 1)
            twin.set_ylabel("class changed (noise)", fontsize=6, color="tab:red")
            twin.tick_params(labelsize=6, colors="tab:red")
            panel.set_xscale("log")
            panel.set_yscale("log")
            readable_log_axis(panel.yaxis)
            panel.set_xlabel(r"$r = \langle\|x' - x\|\rangle$ (pixels in [0, 1])")
            panel.set_title(panel_title(arch, state, dataset_label(dataset)))
        ax[0].set_ylabel(f"change / $r^2$ ({headline.statistic})")
    for ax in axes.flat:
        if ax.get_legend_handles_labels()[0]:
            ax.plot(
                [],
                [],
                color="0.3",
                ls=":",
                label=rf"$R_f$ measured ($\delta$ = {headline.delta:g})",
            )
            ax.plot([], [], color="tab:red", ls="-.", label="fraction whose class changed (noise)")
            break
    shared_legend(fig, axes.flat)
    return finish_runs(fig, options, missing, rows, inputs)
