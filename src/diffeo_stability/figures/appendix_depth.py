"""Appendix: R_f layer by layer (layer 0 = the input) at initialisation and after training,
under both statistics over images: first the authors' per-layer one (the mean; option
`layer_statistic`), the other one below it.

The authors' per-layer probing code (leonardopetrini/relativestability, `main.py --by_layer 1`:
a torchvision feature extractor returning every node of the net's graph but the input) takes the
mean over images of each unit's squared change, summed over units (`mean_stability` = 1), with
noise of each image's diffeo norm: the first row by default, at the headline's noise norm, c,
delta and interpolation. Their layers are every operation (each convolution, batch-norm, ReLU,
pooling); ours are the outputs of the nets' blocks (`models.layer_modules`), a subset, fixed by
the probe (docs/conventions.md).

Why the statistics differ at the input. Layer 0 is the identity, so D_raw and G_raw compare the
pixel changes d_i = tau x_i - x_i with noise eta_i of the same norm (per image, the headline
convention). With the mean statistic both are the mean of the same squared norms: R_0 = 1
exactly (with the noise norm averaged over images, R_0 = mean ||d||^2 / (mean ||d||)^2 >= 1).
The median statistic sums, over pixels k, the median over images of d_ik^2, against that of
eta_ik^2. A Gaussian pixel's squared value has a median 0.455 times its mean; a diffeomorphism
changes a pixel much only where the image has an edge there, so d_ik is heavy-tailed over images
and its median square is a far smaller part of its mean: R_0 < 1, the same for every net (it
involves no weight), whatever the state. For changes Gaussian over images R_0 = 1, for Laplace
ones (ln 2)^2 / (2 x 0.455) = 0.53 (tests/test_input_layer_statistic.py); natural images give
less. So a layer's median-statistic R_f is read against R_0, not against 1.

Options: dataset (cifar10), archs (all with per-layer rows), layer_statistic (mean: the first
row), c (3), noise_norm, interpolation, note.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from diffeo_stability.figures.options import option_list
from diffeo_stability.figures.panels import finish, seeds_label
from diffeo_stability.figures.style import (
    BATCHNORM_MARKERS,
    arch_tag,
    new_figure,
    outside_legend,
    panel_title,
)
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.claims.depth import LAYER_STATISTIC
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, full_size, load_input, select, size_label

STATES = ("init", "trained")


def layer_rows(logavg: pd.DataFrame | None, probe: Headline, dataset: str, statistic: str):
    """The per-layer rows at the headline point of `dataset`'s largest P under `statistic`."""
    return full_size(
        select(
            logavg,
            point=probe.point,
            dataset=dataset,
            c=probe.c,
            statistic=statistic,
            noise_norm=probe.noise_norm,
            interpolation=probe.interpolation,
        )
    )


def input_value(rows: pd.DataFrame) -> str:
    """R_f at layer 0 (the input) of `rows`, '0.35' or '0.31-0.35' ('' without such rows)."""
    if rows.empty:
        return ""
    values = select(rows, layer=0.0)["R"].dropna()
    if values.empty:
        return ""
    low, high = f"{values.min():.2f}", f"{values.max():.2f}"
    return low if low == high else f"{low}-{high}"


def layer_seeds(rows: pd.DataFrame) -> str:
    """'hidden layers 1 seed, output 2-3 seeds': the per-layer probe may cover fewer seeds than
    the output row, which every run's probe measures."""
    if rows.empty:
        return ""
    hidden, output = rows[~rows["is_output"].astype(bool)], select(rows, is_output=True)
    if hidden.empty or seeds_label(hidden) == seeds_label(output):
        return seeds_label(rows)
    return f"hidden layers {seeds_label(hidden)}, output {seeds_label(output)}"


def depth_panel(ax: Axes, rows: pd.DataFrame, archs: list[str], state: str) -> list[str]:
    """R_f vs layer index of `state`, one line per architecture; what is missing."""
    colors = mpl.colormaps["tab20"]
    missing = []
    for k, arch in enumerate(archs):
        layers = select(rows, arch=arch, state=state)
        if layers.empty or layers["layer"].nunique() < 2:
            missing.append(f"per-layer {state} rows of {arch}")
            continue
        layers = layers.sort_values("layer")
        spec = ARCHITECTURES.get(arch)
        ax.plot(
            layers["layer"],
            layers["R"],
            markersize=2.5,
            color=colors(k % 20),
            marker=BATCHNORM_MARKERS[bool(spec and spec.batchnorm)],
            label=arch + arch_tag(bool(spec and spec.skip), bool(spec and spec.transfer)),
        )
    ax.axhline(1.0, color="0.5", lw=0.6, ls=":")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return missing


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Rows = statistics (the authors' per-layer one first), columns = init | trained: R_f vs
    layer index, one line per arch. Reads logavg.csv (and training.csv for the epochs in the
    banner)."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    dataset = options.get("dataset", "cifar10")
    measured = sorted(set(logavg["statistic"])) if logavg is not None and len(logavg) else []
    first = options.get("layer_statistic", LAYER_STATISTIC)
    statistics = [first] + [s for s in measured if s != first]
    by_statistic = {s: layer_rows(logavg, probe, dataset, s) for s in statistics}
    drawn = [s for s in statistics if not by_statistic[s].empty]
    # the authors' statistic unprobed: the other one alone, and the note says so
    unprobed = [] if first in drawn or logavg is None else [f"{first}-statistic rows"]
    statistics = drawn or [first]
    rows = pd.concat([by_statistic[s] for s in statistics])
    present = sorted(set(rows["arch"])) if not rows.empty else []
    archs = option_list(options, "archs", ["all"])
    archs = present if archs == ["all"] else archs
    fig, axes = new_figure(
        height=2.4 * len(statistics) + 0.4,
        nrows=len(statistics),
        ncols=2,
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    missing = unprobed if logavg is not None else ["logavg.csv"]
    notes = []
    for row, statistic in zip(axes, statistics, strict=True):
        here = by_statistic[statistic]
        for ax, state in zip(row, STATES, strict=True):
            missing += depth_panel(ax, here, archs, state)
            head = f"{state}, {statistic} over images"
            parts = [head, dataset_label(dataset), size_label(here), f"c = {probe.c:g}"]
            ax.set_title(panel_title(*parts, layer_seeds(here)))
        authors = "\n(the authors' per-layer code)" if statistic == LAYER_STATISTIC else ""
        row[0].set_ylabel(rf"$R_{{f_\ell}}$ ($\delta={probe.delta:g}$), {statistic}{authors}")
        if value := input_value(here):
            notes.append(f"{statistic} statistic: R_f = {value} at the input (layer 0)")
    for ax in axes[-1]:
        ax.set_xlabel("layer (0 = input)")
    if axes[0, 1].get_legend_handles_labels()[0]:
        outside_legend(axes[0, 1])
    if notes:
        notes = [
            "; ".join(notes) + ". Layer 0 is the image itself, the same for every net: the "
            "median of a pixel's squared change under a diffeomorphism (large at edges only) is "
            "a smaller part of its mean than for Gaussian noise of the same norm"
        ]
    training = load_input(inputs, "training.csv")
    return finish(fig, options, missing, rows, training, notes)
