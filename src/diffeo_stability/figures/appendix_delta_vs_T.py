"""Appendix: measured r.m.s. centre displacement delta versus T, against Eq. 3.

Markers: Monte Carlo over `samples` fields; full lines: Eq. 3, delta^2 = (pi/4) n^2 T ln c;
dotted: the exact finite-c expectation. Options: n (32), cuts (comma list, 3,5,15),
samples (2000), points (12 values of T per c), seed (0).

Computed here, from no run output: the markers are a Monte Carlo over fields of the ensemble,
a pure function of the options (seed included) that involves neither a data set nor a trained
net.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.figures.style import COLUMN_WIDTH, CUTOFF_COLORS, new_figure


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    n, samples = int(options.get("n", 32)), int(options.get("samples", 2000))
    points, seed = int(options.get("points", 12)), int(options.get("seed", 0))
    cuts = [float(c) for c in options.get("cuts", "3,5,15").split(",")]
    gen = torch.Generator().manual_seed(seed)

    fig, ax = new_figure(COLUMN_WIDTH * 1.2, COLUMN_WIDTH)
    for color, c in zip(CUTOFF_COLORS, cuts, strict=False):
        t_min, t_max = diffeo.temperature_range(n, c)
        temps = np.geomspace(t_min / 15, 2 * t_max, points)
        measured = [diffeo.measured_delta(t, n, c, samples=samples, generator=gen) for t in temps]
        ax.plot(temps, measured, "o", color=color, ms=3, label=f"c = {c:g} measured")
        ax.plot(
            temps, [diffeo.delta_from_temperature(t, n, c) for t in temps], "-", color=color, lw=0.8
        )
        ax.plot(temps, [diffeo.expected_delta(t, n, c) for t in temps], ":", color=color, lw=0.8)
    ax.plot([], [], "k-", lw=0.8, label=r"Eq. 3: $\delta^2 = \frac{\pi}{4} n^2 T \ln c$")
    ax.plot([], [], "k:", lw=0.8, label="exact finite-c mean")
    ax.axhline(1.0, color="0.6", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="temperature T", ylabel=r"$\delta$ (pixels)")
    ax.legend(fontsize=6)
    title = f"centre displacement, n = {n}"
    fig.suptitle(title)
    return fig
