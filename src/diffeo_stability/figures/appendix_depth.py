"""Appendix: R_f layer by layer (layer 0 = the input) at initialisation and after training.

Options: dataset (cifar10), archs (all with per-layer rows), c (3), statistic, noise_norm,
interpolation, note.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from diffeo_stability.figures.options import option_list
from diffeo_stability.figures.panels import finish
from diffeo_stability.figures.style import (
    BATCHNORM_MARKERS,
    arch_tag,
    new_figure,
    outside_legend,
    panel_title,
)
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, full_size, load_input, select, size_label


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Two panels (init | trained) of R_f vs layer index, one line per arch. Reads logavg.csv."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    dataset = options.get("dataset", "cifar10")
    c = probe.c
    rows = full_size(
        select(
            logavg,
            point=probe.point,
            dataset=dataset,
            c=c,
            statistic=probe.statistic,
            noise_norm=probe.noise_norm,
            interpolation=probe.interpolation,
        )
    )
    present = sorted(set(rows["arch"])) if not rows.empty else []
    archs = option_list(options, "archs", ["all"])
    archs = present if archs == ["all"] else archs
    fig, axes = new_figure(height=2.6, ncols=2, sharey=True, layout="constrained")
    colors = mpl.colormaps["tab20"]
    missing = [] if logavg is not None else ["logavg.csv"]
    for ax, state in zip(axes, ("init", "trained"), strict=True):
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
        ax.set_xlabel("layer (0 = input)")
        ax.set_title(panel_title(state, dataset_label(dataset), size_label(rows), f"c = {c:g}"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel(r"$R_{f_\ell}$ ($\delta=1$)")
    if axes[1].get_legend_handles_labels()[0]:
        outside_legend(axes[1])
    return finish(fig, options, missing, logavg)
