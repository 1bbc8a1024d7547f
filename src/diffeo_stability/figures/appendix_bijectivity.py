"""Appendix: probability that a max-entropy field is a diffeomorphism over the (T, c) plane.

A field is a diffeomorphism when the Jacobian determinant of its continuous map s -> s - tau(s)
is positive at every point of a fine grid (max(48, 4c + 1) points a side; option criterion =
pixel: only at the 32 x 32 pixel centres of a CIFAR image). Monte Carlo over `samples` fields
per c (options: samples 200, rows 10 values of c in [2, 40], columns 40 values of T, seed 0,
criterion continuous). The probability-1/2 contour (p = 1/2: p, not P, which is the
training-set size elsewhere) is compared with the scale
T_max = 4 / (pi^3 c^2 ln c) of Section 2.2, fitted as T_1/2 = A / (c^2 ln c).

Computed here, from no run output: the probabilities are a Monte Carlo over fields of the
ensemble (fig1_diffeo_phase_space.well_behaved), a pure function of the options (seed
included) that involves neither a data set nor a trained net.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from diffeo_stability.figures.fig1_diffeo_phase_space import CRITERIA, well_behaved
from diffeo_stability.figures.style import COLUMN_WIDTH, new_figure


def half_probability_temperature(temps: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Per row of prob (len(c), len(T)), the T where the probability first drops below 1/2,
    interpolated in log T (nan if it never does)."""
    out = np.full(prob.shape[0], np.nan)
    for r, p in enumerate(prob):
        below = np.nonzero(p < 0.5)[0]
        if len(below) and below[0] > 0:
            k = below[0]
            frac = (p[k - 1] - 0.5) / (p[k - 1] - p[k])
            out[r] = np.exp(np.log(temps[k - 1]) + frac * np.log(temps[k] / temps[k - 1]))
    return out


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    samples, seed = int(options.get("samples", 200)), int(options.get("seed", 0))
    rows, cols = int(options.get("rows", 10)), int(options.get("columns", 40))
    cuts = np.geomspace(2.0, 40.0, rows)
    temps = np.geomspace(1e-6, 1.0, cols)
    criterion = options.get("criterion", CRITERIA[0])
    prob, _ = well_behaved(temps, cuts, 32, samples, seed, criterion)

    fig, ax = new_figure(COLUMN_WIDTH * 1.3, COLUMN_WIDTH)
    mesh = ax.pcolormesh(temps, cuts, prob, shading="nearest", cmap="Greens", vmin=0, vmax=1)
    fig.colorbar(mesh, ax=ax, label="p = probability of a diffeomorphism")
    ax.set(xscale="log", yscale="log", xlabel="temperature T", ylabel="cut-off c")
    t_half = half_probability_temperature(temps, prob)
    ok = np.isfinite(t_half)
    ax.plot(t_half[ok], cuts[ok], "ko", ms=3, label="p = 1/2 (measured)")
    scale = cuts**2 * np.log(cuts)
    if ok.any():
        amp = np.exp(np.mean(np.log(t_half[ok] * scale[ok])))
        ax.plot(amp / scale, cuts, "k-", lw=0.8, label=f"{amp:.2f} / (c$^2$ ln c)")
    ax.plot(4 / np.pi**3 / scale, cuts, "r--", lw=0.8, label=r"$T_{max} = 4/(\pi^3 c^2 \ln c)$")
    ax.set_xlim(temps[0], temps[-1])
    ax.legend(loc="lower left", fontsize=6)
    title = f"bijectivity probability ({samples} fields per c, {criterion} Jacobian)"
    fig.suptitle(title)
    return fig
