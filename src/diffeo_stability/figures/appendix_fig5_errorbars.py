"""Appendix: Fig. 5 (test error vs R_f) with error bars from the seed spread (same options)."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures import fig5_error_vs_rf


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Fig. 5 with errorbars on: X exp(+-X_logstd) for R_f and test error. Reads logavg.csv."""
    return fig5_error_vs_rf.draw(inputs, ChainMap({"errorbars": "yes"}, options))
