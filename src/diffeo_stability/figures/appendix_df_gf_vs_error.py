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
    paired_rows,
    scatter_figure,
    scatter_legend,
)
from diffeo_stability.figures.panels import finish, seeds_label
from diffeo_stability.figures.style import TEXT_WIDTH, panel_title
from diffeo_stability.tables.queries import dataset_label, load_input, size_label


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Two panels: test error vs D_f | vs G_f, with fits and correlations. Reads logavg.csv
    (and training.csv for the epochs in the banner)."""
    logavg = load_input(inputs, "logavg.csv")
    rows, notes = paired_rows(comparison_rows(logavg, options))
    fig, axes, slot = scatter_figure(["D", "G"], TEXT_WIDTH, 3.6)
    for ax, value in zip(axes, ("D", "G"), strict=True):
        summary = error_scatter(ax, rows, value)
        dataset = dataset_label(options.get("dataset", "cifar10"))
        seeds = seeds_label(rows) + " per point"
        ax.set_title(panel_title(dataset, size_label(rows), seeds) + "\n" + summary)
    scatter_legend(slot, axes, rows, [])
    add_depth_colorbar(fig, [*axes, slot])
    missing = [] if logavg is not None else ["logavg.csv"]
    if rows.empty:
        missing.append("trained largest-P rows of the comparison data set")
    training = load_input(inputs, "training.csv")
    return finish(fig, options, missing + missing_archs(rows, options), rows, training, notes)
