"""Mechanisms, item 2: R_f after every operation inside the nets (conv, batch-norm, ReLU,
max-pool, residual sum), initial (open markers, dashed) and trained (filled, solid).

One panel per net: R_f of each operation's output against its position (0 = the input, the
last = the output), coloured by the kind of operation. Options: dataset, archs, the headline
keys (statistic, noise norm, c, delta), note.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.net_panels import net_rows, shared_legend
from diffeo_stability.figures.panels import finish, mark_absent
from diffeo_stability.figures.style import STATE_LINESTYLES, panel_title
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, select

#: colour of each kind of operation (`mechanisms.operations.KINDS`)
KIND_COLORS = {
    "input": "black",
    "conv": "tab:blue",
    "batch-norm": "tab:orange",
    "ReLU": "tab:green",
    "max-pool": "tab:red",
    "average pool": "tab:brown",
    "residual sum + ReLU": "tab:purple",
    "linear": "tab:gray",
}


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """One panel per net: R_f against the operation index, init and trained."""
    grid = net_rows(inputs, options, "operations.csv", ncols=1, row_height=1.8, extra_height=0.6)
    dataset, archs, fig, axes, missing = grid.dataset, grid.archs, grid.fig, grid.axes, grid.missing
    headline = Headline.from_options(options)
    rows = select(grid.rows, statistic=headline.statistic, noise_norm=headline.noise_norm)
    for ax, arch in zip(axes[:, 0], archs or [""], strict=True):
        drawn = False
        for state in ("init", "trained"):
            points = select(rows, arch=arch, state=state)
            if points.empty:
                missing.append(f"{arch or 'nets'} {state}")
                continue
            points = points.sort_values("layer")
            drawn = True
            ax.plot(points["layer"], points["R"], color="0.5", ls=STATE_LINESTYLES[state], lw=0.7)
            colors = [KIND_COLORS.get(kind, "0.5") for kind in points["kind"]]
            ax.scatter(
                points["layer"],
                points["R"],
                s=9,
                edgecolors=colors,
                facecolors=colors if state == "trained" else "none",
                linewidths=0.8,
                zorder=3,
            )
        if not drawn:
            mark_absent(ax, f"{arch or 'any net'}")
            continue
        ax.axhline(1.0, color="0.5", lw=0.6, ls=":")
        ax.set_yscale("log")
        ax.set_ylabel(r"$R_f$")
        ax.set_title(panel_title(arch, dataset_label(dataset), f"c = {headline.c:g}", max_chars=80))
    axes[-1, 0].set_xlabel("operation (0 = input; last = output)")
    kinds = [] if rows.empty else list(dict.fromkeys(rows["kind"]))
    handle = axes[0, 0]
    for kind in kinds:
        handle.scatter([], [], s=9, color=KIND_COLORS.get(kind, "0.5"), label=kind)
    handle.add_line(Line2D([], [], color="0.5", ls="--", label="initial (open markers)"))
    handle.add_line(Line2D([], [], color="0.5", ls="-", label="trained (filled)"))
    shared_legend(fig, [handle], columns=5)
    return finish(fig, options, missing)
