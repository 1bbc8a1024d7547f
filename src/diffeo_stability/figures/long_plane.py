"""The nets in the (R_f, test error) plane as their training budget E grows
(config/cpu-long.yaml): one line per net through the geometric means over seeds of its end
points, in order of E, with arrows; the paper's law eps_t = 0.2 sqrt(R_f) (Fig. 5) and the free
fit eps_t = a R_f^b of the end points of the largest budget, each labelled as what it is.

Reads seeds.csv (the end points, column `epochs`) and training.csv (banner, widths). Options:
the headline keys, note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from diffeo_stability.figures.budget_panels import (
    end_points,
    geometric_means,
    net_order,
    scale_note,
)
from diffeo_stability.figures.panels import clean_log_axes, finish, mark_absent
from diffeo_stability.figures.style import (
    COLUMN_WIDTH,
    FALLBACK_COLORS,
    new_figure,
    outside_legend,
    panel_title,
    point_label,
)
from diffeo_stability.tables.claims.budget import LAW_PREFACTOR
from diffeo_stability.tables.fits import fit_power_law
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, load_input, select


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Test error against R_f, one line per net through its budgets."""
    seeds = load_input(inputs, "seeds.csv")
    training = load_input(inputs, "training.csv")
    rows = end_points(seeds, options)
    fig, ax = new_figure(width=COLUMN_WIDTH + 1.4, height=3.4, layout="constrained")
    missing = [] if seeds is not None else ["seeds.csv"]
    probe = Headline.from_options(options)
    if rows.empty:
        missing.append(f"end points at several budgets (c = {probe.c:g}, {probe.point})")
        mark_absent(ax, "end points")
        return finish(fig, options, missing)
    for k, arch in enumerate(net_order(rows)):
        net = select(rows, arch=arch)
        R, error = geometric_means(net, "R"), geometric_means(net, "test_error")
        color = FALLBACK_COLORS[k % len(FALLBACK_COLORS)]
        x, y = R.to_numpy(), error.reindex(R.index).to_numpy()
        ax.plot(x, y, color=color, marker="o", ms=3, lw=1.0, label=arch)
        for i in range(len(x) - 1):
            ax.annotate(
                "",
                xy=(x[i + 1], y[i + 1]),
                xytext=(x[i], y[i]),
                arrowprops={"arrowstyle": "->", "color": color, "lw": 1.0},
            )
        for epochs, xi, yi in zip(R.index, x, y, strict=True):
            point_label(ax, f"E={epochs:g}", xi, yi)
    x_range = np.geomspace(rows["R"].min() / 2, rows["R"].max() * 2, 50)
    law = f"paper's law: ε_t = {LAW_PREFACTOR:g} √R_f"
    ax.plot(x_range, LAW_PREFACTOR * np.sqrt(x_range), color="0.2", ls="--", lw=1.0, label=law)
    longest = rows[rows["epochs"] == rows["epochs"].max()]
    if longest["arch"].nunique() > 1:
        fit = fit_power_law(longest["R"].to_numpy(float), longest["test_error"].to_numpy(float))
        a, b = fit.prefactor, fit.exponent
        label = f"fit, E = {longest['epochs'].max():g}: ε_t = {a:.2g} R_f^{b:.2f}"
        ax.plot(x_range, a * x_range**b, color="0.5", ls=":", lw=1.2, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    clean_log_axes(ax)
    ax.set_xlabel(r"$R_f$")
    ax.set_ylabel(r"test error $\epsilon_t$")
    datasets = ",".join(dataset_label(d) for d in sorted(set(rows["dataset"])))
    ax.set_title(
        panel_title(datasets, f"P={rows['P'].iloc[0]}", f"c = {probe.c:g}", f"δ = {probe.delta:g}")
    )
    outside_legend(ax)
    return finish(fig, options, missing, rows, training, scale_note(rows, training))
