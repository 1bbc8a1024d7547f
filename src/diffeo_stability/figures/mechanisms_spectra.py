"""Mechanisms, item 3: the activations' radial power spectra, block by block, initial (dashed,
open markers) and trained (solid, filled); one colour per block, from purple (the first) to
yellow (the last), named with its map's side on the colour bar of the row.

One row per net; the first two columns are the two orders of the channel average: normalise
after averaging the channels' spectra, or normalise each channel's spectrum first (the slides
compare both). The spectra sum to 1 over the radial wave number k; the abscissa is k / side in
cycles per pixel of the block's map, so a map of side s gives points spaced 1/s apart: the
2x2 maps give two points (0 and 0.5), the 1x1 maps one (power 1 at frequency 0), drawn as
markers. The third column is the README's measure: the share of power at or below
`tables.mechanisms.LOW_FREQUENCY` (0.125) cycles per pixel, per block (for a 2x2 or 1x1 map
the power at frequency 0). Options: dataset, archs, note.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.net_panels import finish_runs, net_rows
from diffeo_stability.figures.panels import mark_absent
from diffeo_stability.figures.style import STATE_LINESTYLES, panel_title
from diffeo_stability.tables.mechanisms import LOW_FREQUENCY, low_frequency_share
from diffeo_stability.tables.queries import select

#: order of the channel average -> (short title, marker of the low-frequency panel)
ORDERS = {
    "average_then_normalise": ("channels averaged, then normalised", "o"),
    "normalise_then_average": ("channels normalised, then averaged", "s"),
}


def block_colors(blocks: pd.DataFrame) -> ListedColormap:
    """One viridis colour per block of `blocks` (rows in block order)."""
    return ListedColormap(mpl.colormaps["viridis"](np.linspace(0, 1, max(len(blocks), 2))))


def _spectrum_panel(ax: Axes, points: pd.DataFrame, colors: ListedColormap) -> None:
    """Power against frequency, one line per block and state, every point a marker."""
    layers = sorted(set(points["layer"]))
    for state in ("init", "trained"):
        for k, layer in enumerate(layers):
            curve = select(points, state=state, layer=layer).sort_values("frequency")
            color = colors(k)
            ax.plot(
                curve["frequency"],
                curve["power"],
                color=color,
                ls=STATE_LINESTYLES[state],
                lw=0.9,
                marker="o",
                ms=2.2 if len(curve) > 2 else 4,
                mfc=color if state == "trained" else "none",
            )
    ax.set_yscale("log")
    ax.set_xlabel("frequency (cycles/map pixel)")


def _share_panel(ax: Axes, shares: pd.DataFrame, blocks: pd.DataFrame) -> None:
    """The low-frequency share per block: orders by marker, states by line and fill."""
    for order, (_, marker) in ORDERS.items():
        for state in ("init", "trained"):
            curve = select(shares, order=order, state=state).sort_values("layer")
            ax.plot(
                curve["layer"],
                curve["share"],
                color="0.2" if state == "trained" else "0.5",
                ls=STATE_LINESTYLES[state],
                lw=0.8,
                marker=marker,
                ms=3,
                mfc="0.2" if state == "trained" else "none",
            )
    ax.set_ylim(0, 1.05)
    ax.set_xticks(blocks["layer"], blocks["label"], rotation=90, fontsize=5)
    ax.set_ylabel(rf"power at $\leq${LOW_FREQUENCY:g} cycles/pixel")


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Panels (nets x {two orders, low-frequency share}): spectra per block and state."""
    grid = net_rows(inputs, options, "spectra.csv", ncols=3, row_height=2.1, extra_height=0.9)
    archs, fig, axes, missing, rows = grid.archs, grid.fig, grid.axes, grid.missing, grid.rows
    for ax_row, arch in zip(axes, archs or [""], strict=True):
        net = select(rows, arch=arch)
        if net.empty:
            for panel in ax_row:
                mark_absent(panel, arch or "any net")
            missing.append(arch or "nets")
            continue
        blocks = net.drop_duplicates("layer").sort_values("layer")
        blocks = blocks.assign(
            label=[f"{b.layer_name} ({b.side}x{b.side})" for b in blocks.itertuples()]
        )
        colors = block_colors(blocks)
        for panel, (order, (title, _)) in zip(ax_row, ORDERS.items(), strict=False):
            _spectrum_panel(panel, select(net, order=order), colors)
            panel.set_title(panel_title(arch, title), fontsize=7)
        ax_row[0].set_ylabel("power (sums to 1)")
        _share_panel(ax_row[2], low_frequency_share(net), blocks)
        ax_row[2].set_title(panel_title(arch, f"share at <= {LOW_FREQUENCY:g} c/px"), fontsize=7)
        n = len(blocks)
        bar = fig.colorbar(
            mpl.cm.ScalarMappable(BoundaryNorm(np.arange(n + 1) - 0.5, n), colors),
            ax=list(ax_row[:2]),
            ticks=range(n),
            aspect=25,
            pad=0.01,
        )
        bar.ax.set_yticklabels(blocks["label"], fontsize=4.5)
        bar.set_label("block (map side)", fontsize=6)
    handles = [
        Line2D([], [], color="0.4", ls="--", marker="o", ms=3, mfc="none", label="initial"),
        Line2D([], [], color="0.2", ls="-", marker="o", ms=3, label="trained"),
    ]
    axes[0, 0].legend(
        handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.3), ncols=2, frameon=False
    )
    shares = [
        Line2D([], [], color="0.3", ls="none", marker=marker, ms=3, label=title)
        for title, marker in ORDERS.values()
    ]
    axes[0, 2].legend(handles=shares, loc="lower left", fontsize=5, frameon=False)
    note = (
        "Colour: the block (colour bar, with its map's side). A map of side s has frequencies "
        "k/s: the 2x2 maps give two points, the 1x1 maps one (power 1 at frequency 0)."
    )
    return finish_runs(fig, options, missing, rows, inputs, [note])
