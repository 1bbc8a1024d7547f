"""Appendix: bilinear vs Gaussian vs nearest interpolation of one photograph at several delta.

The same field (one draw at cut-off c) is rescaled to each delta (Eq. 3); the first column is
the clean image after the zero-displacement resampling (Gaussian-smoothed for `gaussian`).
Options: size (32, like CIFAR-10), c (the headline's; absent, `Headline`'s), deltas (comma
list, 0.25,0.5,1,2), image (chelsea), seed (0).

Computed here, from no run output: one field drawn from the ensemble deforms a scikit-image
photograph, a pure function of the options (seed included) that involves neither a data set
nor a trained net.
"""

from __future__ import annotations

from pathlib import Path

import torch
from matplotlib.figure import Figure

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.figures.fig1_diffeo_phase_space import photograph
from diffeo_stability.figures.style import TEXT_WIDTH, new_figure
from diffeo_stability.tables.headline import Headline


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    size, c = int(options.get("size", 32)), float(options.get("c", Headline.c))
    deltas = [float(d) for d in options.get("deltas", "0.25,0.5,1,2").split(",")]
    image = photograph(options.get("image", "chelsea"), size)
    gen = torch.Generator().manual_seed(int(options.get("seed", 0)))
    unit = diffeo.sample_displacement(1, size, 1.0, c, generator=gen)
    temps = [diffeo.temperature_from_delta(d, size, c) for d in deltas]
    disp = unit * torch.tensor(temps).sqrt()[:, None, None, None]
    batch = image.expand(len(deltas), -1, -1, -1)

    rows = len(diffeo.INTERPOLATIONS)
    fig, axes = new_figure(
        TEXT_WIDTH * 0.8,
        TEXT_WIDTH * 0.8 * rows / (len(deltas) + 1),
        nrows=rows,
        ncols=len(deltas) + 1,
        squeeze=False,
    )
    for r, interp in enumerate(diffeo.INTERPOLATIONS):
        panels = [diffeo.smooth(image, interp)[0], *diffeo.deform(batch, disp, interp)]
        for k, panel in enumerate(panels):
            ax = axes[r, k]
            ax.imshow(panel.clamp(0, 1).permute(1, 2, 0).numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title("clean" if k == 0 else rf"$\delta$ = {deltas[k - 1]:g}")
        axes[r, 0].set_ylabel(interp)
    title = f"interpolations, {size}x{size} image, c = {c:g}"
    fig.suptitle(title)
    return fig
