"""Appendix: test error vs D_f and vs G_f alone (compare with Fig. 5's R_f).

Options as Fig. 5: dataset (cifar10), archs (all), c (3), statistic, noise_norm,
interpolation, note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures.fig5_error_vs_rf import error_panels


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Two panels: test error vs D_f | vs G_f, with fits and correlations. Reads logavg.csv
    (and training.csv for the epochs in the banner)."""
    dataset = options.get("dataset", "cifar10")
    return error_panels(inputs, options, [(dataset, "D"), (dataset, "G")])
