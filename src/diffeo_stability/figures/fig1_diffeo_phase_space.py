"""Fig. 1: one photograph deformed over the (T, c) plane, the well-behaved region in green.

Green: measured probability of a diffeomorphism >= 1/2 (Monte Carlo, `samples` fields per c)
and delta >= 1/2, delta the exact finite-c r.m.s. centre displacement (the asymptotic formula
plus its pre-asymptotic terms); a diffeomorphism is a field whose continuous map has a positive
Jacobian determinant everywhere on a fine grid (max(48, 4c + 1) points a side). Dashed: exact
delta = 1; dotted: the asymptotic delta = 1, T = 4 / (pi n^2 ln c), where the probes measure.
Options: size (image side, 320), rows
(values of c, 5), columns (values of T, 6), samples (200), image (a scikit-image sample
photograph, chelsea), seed (0), probe_cuts (the c of the probed points, dots on the
delta = 1 line, 3,5,15), criterion (continuous | pixel: the Jacobian only at the size x size
pixel centres).

Computed here, from no run output: the green region is a Monte Carlo over fields of the
max-entropy ensemble and the thumbnails deform a scikit-image photograph, pure functions of
the options (seed included) that involve neither a data set nor a trained net.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.errors import ConfigError
from diffeo_stability.figures.style import TEXT_WIDTH, new_figure, outside_legend

PHOTOGRAPHS = ("chelsea", "astronaut", "coffee", "rocket")
T_LIMITS = (1e-6, 1e-1)
C_LIMITS = (2.0, 40.0)
GREEN = "#b5e3b0"


def photograph(name: str = "chelsea", size: int = 320) -> torch.Tensor:
    """A scikit-image sample photograph, centre-cropped square and resized (antialiased) to
    size x size; float32 in [0, 1], shape (1, 3, size, size)."""
    import skimage.data

    if name not in PHOTOGRAPHS:
        raise ConfigError(f"image {name!r} unknown; allowed: {', '.join(PHOTOGRAPHS)}")
    img = torch.from_numpy(getattr(skimage.data, name)()).permute(2, 0, 1).float() / 255
    h, w = img.shape[1:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    img = img[None, :, top : top + side, left : left + side]
    out = F.interpolate(img, size=(size, size), mode="bilinear", antialias=True)
    return out.clamp(0, 1)


#: bijectivity criteria: the Jacobian determinant of the continuous map s -> s - tau(s) is
#: positive on a fine grid ("continuous", the default) or only at the n x n pixel centres
#: ("pixel": the map as seen on the image's own grid, looser for large c)
CRITERIA = ("continuous", "pixel")


def jacobian_grid(criterion: str, c: float, n: int) -> int:
    """Points a side where the Jacobian is checked: max(48, 4c + 1) or the image side n."""
    if criterion not in CRITERIA:
        raise ConfigError(f"criterion {criterion!r} unknown; allowed: {', '.join(CRITERIA)}")
    return max(48, 4 * int(c) + 1) if criterion == "continuous" else n


def well_behaved(
    temps: np.ndarray,
    cuts: np.ndarray,
    n: int,
    samples: int,
    seed: int,
    criterion: str = "continuous",
) -> tuple[np.ndarray, np.ndarray]:
    """(probability of a diffeomorphism under `criterion`, delta in pixels) on the mesh, each
    (len(cuts), len(temps))."""
    gen = torch.Generator().manual_seed(seed)
    prob = np.stack(
        [
            diffeo.bijectivity_probabilities(
                temps, c, samples=samples, generator=gen, grid=jacobian_grid(criterion, c, n)
            ).numpy()
            for c in cuts
        ]
    )
    delta = np.array([[diffeo.expected_delta(t, n, c) for t in temps] for c in cuts])
    return prob, delta


def delta_one_temperature(cuts: np.ndarray, n: int) -> np.ndarray:
    """T at which the exact finite-c delta equals 1 pixel, per c (delta scales as sqrt(T))."""
    return np.array([1 / diffeo.expected_delta(1.0, n, c) ** 2 for c in cuts])


#: thumbnail side as a fraction of its grid cell
THUMB = 0.7


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    size = int(options.get("size", 320))
    rows, cols = int(options.get("rows", 5)), int(options.get("columns", 6))
    samples, seed = int(options.get("samples", 200)), int(options.get("seed", 0))
    image = photograph(options.get("image", "chelsea"), size)

    temps = np.geomspace(*T_LIMITS, cols)
    cuts = np.geomspace(*C_LIMITS, rows)[::-1]  # top row = largest c
    fig, ax = new_figure(TEXT_WIDTH, TEXT_WIDTH * rows / cols * 0.95)
    mesh_t, mesh_c = phase_plane(ax, temps, cuts)
    criterion = options.get("criterion", CRITERIA[0])
    well_behaved_region(ax, mesh_t, mesh_c, size, samples, seed, criterion)
    probed = np.array([float(c) for c in options.get("probe_cuts", "3,5,15").split(",")])
    delta_one_lines(ax, mesh_c, probed, size)
    well = "diffeomorphism with probability\n" + r"$\geq 1/2$ and $\delta \geq 1/2$"
    region = Patch(color=GREEN, label=well)
    outside_legend(ax, handles=[region, *ax.get_legend_handles_labels()[0]], fontsize=7)
    # c ticks at the probed values and the ends of the thumbnail grid (its rows are
    # log-spaced; the axis label lists their c)
    c_ticks = sorted({*probed, float(cuts[0]), float(cuts[-1])})
    ax.set_yticks(c_ticks, labels=[f"{c:g}" for c in c_ticks])
    ax.minorticks_off()
    thumbnails(ax, image, temps, cuts, seed)
    fig.suptitle(f"max-entropy diffeomorphisms of a {size}x{size} image")
    return fig


def phase_plane(ax: Axes, temps: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log axes T (x) and c (y) with thumbnail grid point k at the centre of cell k, one T tick
    per thumbnail column; returns the (T, c) mesh of the region (60 x 14 points)."""
    cols, rows = len(temps), len(cuts)
    # axis limits put grid point k at the centre of cell k (log-uniform spacing)
    tr = (temps[-1] / temps[0]) ** (0.5 / (cols - 1))
    cr = (cuts[0] / cuts[-1]) ** (0.5 / (rows - 1))
    ax.set(
        xscale="log",
        yscale="log",
        xlim=(temps[0] / tr, temps[-1] * tr),
        ylim=(cuts[-1] / cr, cuts[0] * cr),
        xlabel="temperature T",
        ylabel="cut-off c (thumbnail rows: " + ", ".join(f"{c:.2g}" for c in cuts[::-1]) + ")",
    )
    # one tick per thumbnail column: each thumbnail's T is read off the axis
    ax.set_xticks(temps, labels=[f"{t:.1g}" for t in temps])
    mesh_t = np.geomspace(temps[0] / tr, temps[-1] * tr, 60)
    mesh_c = np.geomspace(max(cuts[-1] / cr, 1.5), cuts[0] * cr, 14)  # (1, 1) needs c > 1.41
    return mesh_t, mesh_c


def well_behaved_region(
    ax: Axes,
    mesh_t: np.ndarray,
    mesh_c: np.ndarray,
    size: int,
    samples: int,
    seed: int,
    criterion: str,
) -> None:
    """The green region: probability of a diffeomorphism >= 1/2 and delta >= 1/2."""
    prob, delta = well_behaved(mesh_t, mesh_c, size, samples, seed, criterion)
    ax.contourf(
        mesh_t,
        mesh_c,
        ((prob >= 0.5) & (delta >= 0.5)).astype(float),
        levels=[0.5, 1.5],
        colors=[GREEN],
        zorder=0,
    )


def delta_one_lines(ax: Axes, mesh_c: np.ndarray, probed: np.ndarray, size: int) -> None:
    """delta = 1: exact (dashed), asymptotic (dotted), and the probed points on it (dots)."""
    ax.plot(
        delta_one_temperature(mesh_c, size),
        mesh_c,
        "k--",
        lw=1,
        label=r"$\delta = 1$ (exact)",
        zorder=6,
    )  # above the thumbnails (inset zorder 5)
    ax.plot(
        [diffeo.temperature_from_delta(1.0, size, c) for c in mesh_c],
        mesh_c,
        "k:",
        lw=1,
        label=r"$\delta = 1$ (asymptotic, probed)",
        zorder=6,
    )
    ax.plot(
        [diffeo.temperature_from_delta(1.0, size, c) for c in probed],
        probed,
        "ko",
        ms=3,
        zorder=6,
        label=r"probed: $\delta = 1$, c = " + ", ".join(f"{c:g}" for c in probed),
    )


def thumbnails(
    ax: Axes, image: torch.Tensor, temps: np.ndarray, cuts: np.ndarray, seed: int
) -> None:
    """The photograph deformed at every (T, c) of the grid, each in its cell."""
    cols, rows, size = len(temps), len(cuts), image.shape[-1]
    gen = torch.Generator().manual_seed(seed)
    for r, c in enumerate(cuts):
        disp = diffeo.sample_displacement(
            cols, size, torch.tensor(temps, dtype=torch.float32), float(c), generator=gen
        )
        deformed = diffeo.deform(image.expand(cols, -1, -1, -1), disp).clamp(0, 1)
        for k in range(cols):
            # thumbnails at 70% of their cell: the well-behaved region shows around them
            inset = ax.inset_axes(
                [(k + 0.15) / cols, 1 - (r + 0.85) / rows, THUMB / cols, THUMB / rows]
            )
            inset.imshow(deformed[k].permute(1, 2, 0).numpy(), interpolation="nearest")
            inset.set_axis_off()
