"""Appendix: Fig. 6 (G_f, D_f, R_f vs P) with error bars from the seed spread (same options)."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures import fig6_noise_diffeo_vs_P


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Fig. 6 with errorbars on: X exp(+-X_logstd) over seeds. Reads logavg.csv."""
    return fig6_noise_diffeo_vs_P.draw(inputs, ChainMap({"errorbars": "yes"}, options))
