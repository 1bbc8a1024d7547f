"""The diffeomorphism figures draw at tiny options and return a Figure; they show no data of
the config, so no note about it (the smoke config's 'synthetic data' or a training scale)."""

from __future__ import annotations

import importlib

import pytest
from matplotlib.figure import Figure

TINY = {
    "fig1_diffeo_phase_space": {"size": "24", "rows": "2", "columns": "2", "samples": "8"},
    "appendix_bijectivity": {"samples": "8", "rows": "3", "columns": "6"},
    "appendix_delta_vs_T": {"samples": "50", "points": "3", "cuts": "3,5"},
    "appendix_interpolation": {"size": "16", "deltas": "0.5,1"},
}


@pytest.mark.parametrize("module", sorted(TINY))
def test_figure_draws_at_tiny_options(module):
    draw = importlib.import_module(f"diffeo_stability.figures.{module}").draw
    fig = draw([], TINY[module])
    assert isinstance(fig, Figure)
    assert fig._suptitle.get_text()
    assert len(fig.axes) >= 1
