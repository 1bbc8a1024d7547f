"""Fig. 2: the sphere of radius r around x (diffeo images green, a random point red) and, for a
real test image, x, x + eta and tau x with ||eta|| = ||tau x - x||.

Inputs: a dataset `.npz` (resources/data/{dataset}.npz). Options: index (0, the test image),
c, delta (pixels), interpolation (the headline's: the workflow passes them; absent, `Headline`'s
defaults), seed (0). No `note`: the config's note speaks of the runs' data sets, and this
figure shows no trained net; its banner names the data image it shows.

The one figure that reads a data set: it shows one test image, deformed by one field drawn
here and perturbed by noise of the same norm. An illustration, not a measurement: nothing of
the runs (tables, checkpoints) is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from diffeo_stability.data.images import load_dataset
from diffeo_stability.diffeo.fields import deform, sample_displacement, temperature_from_delta
from diffeo_stability.figures.options import option_float
from diffeo_stability.figures.panels import finish
from diffeo_stability.figures.style import new_figure
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label

DOT_COLORS = {"x": "black", "tau": "tab:green", "eta": "tab:red"}


def sphere_sketch(ax: Axes) -> None:
    """Data space near x: sphere of radius r, diffeo directions (green), a random one (red)."""
    angle = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(angle), np.sin(angle), color="0.6", lw=0.8)
    arc = np.linspace(np.deg2rad(25), np.deg2rad(75), 50)
    ax.plot(np.cos(arc), np.sin(arc), color=DOT_COLORS["tau"], ls="--", lw=1.8)
    ax.scatter([0], [0], color=DOT_COLORS["x"], s=18, zorder=3)
    ax.annotate(
        "",
        xy=(np.cos(3.6), np.sin(3.6)),
        xytext=(0, 0),
        arrowprops={"arrowstyle": "-", "color": "0.4", "lw": 0.7},
    )
    ax.text(0.5 * np.cos(3.6), 0.5 * np.sin(3.6) + 0.07, "$r$", fontsize=8)
    ax.scatter([np.cos(5.2)], [np.sin(5.2)], color=DOT_COLORS["eta"], s=18, zorder=3)
    ax.scatter([np.cos(0.9)], [np.sin(0.9)], color=DOT_COLORS["tau"], s=18, zorder=3)
    ax.text(0.06, -0.14, "$x$", fontsize=8)
    ax.text(np.cos(0.9) + 0.06, np.sin(0.9) + 0.04, r"$\tau x$", color=DOT_COLORS["tau"])
    ax.text(np.cos(5.2) + 0.06, np.sin(5.2) - 0.12, r"$x+\eta$", color=DOT_COLORS["eta"])
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.5)
    ax.set_ylim(-1.3, 1.3)
    ax.set_axis_off()
    ax.set_title(r"data space $\mathbb{R}^{n\times n}$ around $x$")


def perturbed_images(
    image: np.ndarray, c: float, delta: float, interpolation: str, seed: int
) -> dict[str, np.ndarray]:
    """x, tau x and x + eta, (C, n, n) floats in [0, 1], from a uint8 (C, n, n) image."""
    x = torch.from_numpy(image).float()[None] / 255.0
    n = x.shape[-1]
    gen = torch.Generator().manual_seed(seed)
    disp = sample_displacement(1, n, temperature_from_delta(delta, n, c), c, generator=gen)
    tau_x = deform(x, disp, interpolation=interpolation)
    eta = torch.randn(x.shape, generator=gen)
    eta *= (tau_x - x).norm() / eta.norm()
    return {"x": x[0].numpy(), "tau": tau_x[0].numpy(), "eta": (x + eta)[0].numpy()}


def show_image(ax: Axes, image: np.ndarray, title: str, dot: str) -> None:
    """Show a (C, n, n) image in [0, 1] (clipped) with a coloured dot in its top-left corner."""
    picture = np.clip(image.transpose(1, 2, 0), 0, 1)
    ax.imshow(picture[..., 0] if picture.shape[-1] == 1 else picture, cmap="gray", vmin=0, vmax=1)
    ax.scatter([0.08], [0.92], transform=ax.transAxes, color=dot, s=30, clip_on=False)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Sketch on the left, three images on the right (when a dataset .npz is given)."""
    fig, axes = new_figure(
        height=2.0, ncols=4, gridspec_kw={"width_ratios": [1.3, 1, 1, 1]}, layout="constrained"
    )
    sphere_sketch(axes[0])
    npz = next((Path(p) for p in inputs if Path(p).suffix == ".npz" and Path(p).is_file()), None)
    missing = []
    index = int(options.get("index", "0"))
    if npz is None:
        missing.append("dataset .npz (no test image shown)")
        for ax in axes[1:]:
            ax.set_axis_off()
    else:
        data = load_dataset(npz)
        x_test = data.x_test
        fig.suptitle(
            f"Test image {index} of {dataset_label(data.name)} ({npz.name}): an illustration "
            "of one field and one noise draw, no trained net",
            fontsize=7,
        )
        c, delta = (
            option_float(options, "c", Headline.c),
            option_float(options, "delta", Headline.delta),
        )
        images = perturbed_images(
            x_test[index],
            c,
            delta,
            options.get("interpolation", Headline.interpolation),
            int(options.get("seed", "0")),
        )
        tau_title = rf"$\tau x$ ($c={c:g}$, $\delta={delta:g}$)"
        titles = {"x": "$x$", "eta": r"$x+\eta$", "tau": tau_title}
        for ax, key in zip(axes[1:], ("x", "eta", "tau"), strict=True):
            show_image(ax, images[key], titles[key], DOT_COLORS[key])
    return finish(fig, {}, missing)
