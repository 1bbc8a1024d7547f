"""Appendix: measured r.m.s. centre displacement delta versus T, against Eq. 3.

Markers: Monte Carlo over `samples` fields; full lines: Eq. 3, delta^2 = (pi/4) n^2 T ln c;
dotted: the exact finite-c expectation; the note gives, per c, the measured delta at the T
that Eq. 3 gives for delta = 1 (what the probes call delta = 1). Options: n (32), cuts (comma
list, 3,5,15), samples (2000), points (12 values of T per c), seed (0).

Computed here, from no run output: the markers are a Monte Carlo over fields of the ensemble,
a pure function of the options (seed included) that involves neither a data set nor a trained
net.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.figures.style import COLUMN_WIDTH, CUTOFF_COLORS, add_note, new_figure


def eq3_offsets(
    n: int, cuts: list[float], samples: int, generator: torch.Generator
) -> dict[float, float]:
    """c -> the measured delta (pixels, Monte Carlo) of the fields at the T that Eq. 3 gives for
    delta = 1: the displacement the probes' "delta = 1" points have in fact."""
    return {
        c: diffeo.measured_delta(
            diffeo.temperature_from_delta(1.0, n, c), n, c, samples=samples, generator=generator
        )
        for c in cuts
    }


def offset_note(offsets: dict[float, float], n: int) -> str:
    """The measured delta at Eq. 3's delta = 1, per c, with the exact mean and the offset."""
    each = ", ".join(
        f"{d:.2f} px at c = {c:g} ({100 * (d - 1):+.0f} %; exact mean "
        f"{diffeo.expected_delta(diffeo.temperature_from_delta(1.0, n, c), n, c):.2f})"
        for c, d in offsets.items()
    )
    return (
        f"At the T that Eq. 3 gives for δ = 1 (the probes' δ = 1 points) the fields move the "
        f"centre by {each}: every 'δ = 1' label of the R_f figures inherits this offset"
    )


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    n, samples = int(options.get("n", 32)), int(options.get("samples", 2000))
    points, seed = int(options.get("points", 12)), int(options.get("seed", 0))
    cuts = [float(c) for c in options.get("cuts", "3,5,15").split(",")]
    gen = torch.Generator().manual_seed(seed)

    fig, ax = new_figure(COLUMN_WIDTH * 1.2, COLUMN_WIDTH, layout="constrained")
    measured_handles, eq3, exact = [], [], []
    for color, c in zip(CUTOFF_COLORS, cuts, strict=False):
        t_min, t_max = diffeo.temperature_range(n, c)
        temps = np.geomspace(t_min / 15, 2 * t_max, points)
        measured = [diffeo.measured_delta(t, n, c, samples=samples, generator=gen) for t in temps]
        measured_handles += ax.plot(
            temps, measured, "o", color=color, ms=3, label=f"c = {c:g} measured"
        )
        eq3 += ax.plot(
            temps, [diffeo.delta_from_temperature(t, n, c) for t in temps], "-", color=color, lw=0.8
        )
        exact += ax.plot(
            temps, [diffeo.expected_delta(t, n, c) for t in temps], ":", color=color, lw=0.8
        )
    ax.axhline(1.0, color="0.6", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="temperature T", ylabel=r"$\delta$ (pixels)")
    # the line entries show the lines' own colours, one segment per c
    handles = [*measured_handles, tuple(eq3), tuple(exact)]
    labels = [h.get_label() for h in measured_handles]
    labels += [r"Eq. 3: $\delta^2 = \frac{\pi}{4} n^2 T \ln c$", "exact finite-c mean"]
    tuples = {tuple: HandlerTuple(ndivide=None, pad=0)}
    ax.legend(handles, labels, fontsize=6, handler_map=tuples, handlelength=4)
    fig.suptitle(f"centre displacement, n = {n}")
    add_note(fig, offset_note(eq3_offsets(n, cuts, samples, gen), n))
    return fig
