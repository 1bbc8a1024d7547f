"""Appendix: test error vs D_f and vs G_f alone (compare with Fig. 5's R_f).

Options as Fig. 5: dataset (cifar10), archs (all), c (3), statistic, noise_norm,
interpolation, note.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures.fig5_error_vs_rf import (
    add_depth_colorbar,
    comparison_rows,
    error_scatter,
    missing_archs,
)
from diffeo_stability.figures.panels import finish
from diffeo_stability.figures.style import new_figure, panel_title
from diffeo_stability.tables.queries import dataset_label, load_input, size_label


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Two panels: test error vs D_f | vs G_f, with fits and correlations. Reads logavg.csv."""
    logavg = load_input(inputs, "logavg.csv")
    rows = comparison_rows(logavg, options)
    fig, axes = new_figure(height=2.8, ncols=2, layout="constrained")
    for ax, value in zip(axes, ("D", "G"), strict=True):
        error_scatter(ax, rows, value)
        ax.set_title(
            panel_title(dataset_label(options.get("dataset", "cifar10")), size_label(rows))
        )
    add_depth_colorbar(fig, list(axes))
    missing = [] if logavg is not None else ["logavg.csv"]
    if rows.empty:
        missing.append("trained largest-P rows of the comparison data set")
    return finish(fig, options, missing + missing_archs(rows, options), logavg)
