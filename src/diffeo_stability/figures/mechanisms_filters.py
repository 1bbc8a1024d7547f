"""Mechanisms, item 6: do filters learn to pool? The energy of each 3x3 convolution's filters
on the eigenspaces of the Laplacian of the 3x3 grid (eigenvalue 0: the constant filter; large
eigenvalues: high frequencies), trained over initial (the slides' c_lambda / c_{t=0, lambda}).

One panel per net, one line per convolution (colour from purple, the first, to yellow, the
last). A ratio falling with the eigenvalue means the filters became more low-pass. Options:
dataset, archs, note.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from diffeo_stability.figures.net_panels import finish_runs, nets_shown, readable_log_axis
from diffeo_stability.figures.panels import mark_absent
from diffeo_stability.figures.style import new_figure, panel_title
from diffeo_stability.tables.queries import dataset_label, load_input, select


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Panels (one per net) of trained / initial energy against the Laplacian eigenvalue."""
    table = load_input(inputs, "filters.csv")
    dataset, archs, rows = nets_shown(table, options)
    columns = min(2, max(1, len(archs)))
    nrows = -(-max(1, len(archs)) // columns)
    fig, axes = new_figure(
        height=2.0 * nrows + 0.4, nrows=nrows, ncols=columns, squeeze=False, layout="constrained"
    )
    missing = [] if table is not None else ["filters.csv"]
    colors = mpl.colormaps["viridis"]
    panels = list(axes.flat)
    for panel in panels[len(archs or [""]) :]:
        panel.set_axis_off()
    for panel, arch in zip(panels, archs or [""], strict=False):
        init = select(rows, arch=arch, state="init")
        trained = select(rows, arch=arch, state="trained")
        if init.empty or trained.empty:
            mark_absent(panel, arch or "any net")
            missing.append(f"{arch or 'nets'} init and trained filters")
            continue
        keys = ["layer", "eigenvalue"]
        both = init.merge(trained, on=keys, suffixes=("_init", "_trained"))
        layers = sorted(set(both["layer"]))
        for k, layer in enumerate(layers):
            curve = both[both["layer"] == layer].sort_values("eigenvalue")
            panel.plot(
                curve["eigenvalue"],
                curve["energy_trained"] / curve["energy_init"],
                color=colors(k / max(1, len(layers) - 1)),
                marker="o",
                markersize=2.5,
                lw=0.9,
                label={0: "first 3x3 conv", len(layers) - 1: "last"}.get(k),
            )
        panel.axhline(1.0, color="0.5", lw=0.6, ls=":")
        panel.legend(fontsize=6, frameon=False)
        panel.set_yscale("log")
        readable_log_axis(panel.yaxis)
        panel.set_xlabel(r"Laplacian eigenvalue $\lambda$ (3x3 grid)")
        panel.set_ylabel(r"$c_\lambda$ trained / initial")
        panel.set_title(panel_title(arch, dataset_label(dataset), f"{len(layers)} 3x3 convs"))
    return finish_runs(fig, options, missing, rows, inputs)
