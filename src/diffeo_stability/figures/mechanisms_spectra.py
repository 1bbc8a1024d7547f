"""Mechanisms, item 3: the activations' radial power spectra, block by block, initial (dashed)
and trained (solid); one colour per block, from purple (the first) to yellow (the last).

One row per net, one column per order of the channel average: normalise after averaging the
channels' spectra, or normalise each channel's spectrum first (the slides compare both). The
spectra sum to 1 over the radial wave number; the abscissa is in cycles per pixel of the
block's map. Options: dataset, archs, note.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.net_panels import net_rows, shared_legend
from diffeo_stability.figures.panels import finish, mark_absent
from diffeo_stability.figures.style import STATE_LINESTYLES, panel_title
from diffeo_stability.tables.queries import dataset_label, select

#: legend labels of the first (index 0) and last (index -1) block's colour
ENDS = {0: "first block", -1: "last block"}
ORDER_TITLES = {
    "average_then_normalise": "channels averaged, then normalised",
    "normalise_then_average": "each channel normalised, then averaged",
}


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Panels (nets x orders) of power against frequency, one line per block and state."""
    grid = net_rows(inputs, options, "spectra.csv", ncols=2, row_height=1.9, extra_height=0.5)
    dataset, archs, fig, axes, missing = grid.dataset, grid.archs, grid.fig, grid.axes, grid.missing
    rows = grid.rows
    colors = mpl.colormaps["viridis"]
    for ax_row, arch in zip(axes, archs or [""], strict=True):
        for panel, (order, title) in zip(ax_row, ORDER_TITLES.items(), strict=True):
            points = select(rows, arch=arch, order=order)
            if points.empty:
                mark_absent(panel, f"{arch or 'any net'}")
                missing.append(f"{arch or 'nets'} {order}")
                continue
            layers = sorted(set(points["layer"]))
            for state in ("init", "trained"):
                for k, layer in enumerate(layers):
                    curve = select(points, state=state, layer=layer).sort_values("frequency")
                    panel.plot(
                        curve["frequency"],
                        curve["power"],
                        color=colors(k / max(1, len(layers) - 1)),
                        ls=STATE_LINESTYLES[state],
                        lw=0.9,
                        label=ENDS.get(k - len(layers) if k else 0) if state == "trained" else None,
                    )
            panel.set_yscale("log")
            panel.set_xlabel("frequency (cycles per pixel of the map)")
            panel.set_title(panel_title(arch, dataset_label(dataset), title, max_chars=60))
        ax_row[0].set_ylabel("power (sums to 1)")
    handle = axes[0, 0]
    handle.add_line(Line2D([], [], color="0.4", ls="--", label="initial"))
    handle.add_line(Line2D([], [], color="0.4", ls="-", label="trained"))
    shared_legend(fig, [handle], columns=5)
    return finish(fig, options, missing)
