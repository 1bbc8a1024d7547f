"""Appendix (the paper's Fig. 20): Fig. 5 -- test error vs R_f over architectures at the largest
P -- on other data sets, one panel each (the paper: MNIST and Fashion-MNIST).

Options: datasets (mnist,fashionmnist; "all": every data set of the table), archs (all), c,
statistic, noise_norm, interpolation, cutoff_rule, delta (the headline's), note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures.fig5_error_vs_rf import error_panels
from diffeo_stability.figures.options import datasets_option, option_list
from diffeo_stability.tables.queries import load_input

#: the paper's data sets of its Fig. 20
DEFAULT_DATASETS = ("mnist", "fashionmnist")


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """One Fig. 5 panel per data set of `datasets`. Reads logavg.csv (and training.csv)."""
    wanted = option_list(options, "datasets", DEFAULT_DATASETS)
    if wanted == ["all"]:
        wanted = datasets_option(options, load_input(inputs, "logavg.csv"))
    return error_panels(inputs, options, [(dataset, "R") for dataset in wanted])
