"""Simple local nets: R_f of the trained nets against their sizes at one P: hidden channels h,
filter side f_s and pool side p_s, each varied with the other two at their defaults
(`models.registry.LOCAL_DEFAULTS`), one line per variant as in `mechanisms_local_P`, with the
initial nets of the same sizes (dotted, open markers). Ticks sit on the sizes drawn; the
legend lists the variants drawn. The figure does not know which variants the config planned
(the published config sizes the read-out-only convolution alone), so an empty panel says so in
place and no variant is listed as missing.

The sizes are read from the architecture names (LocalCNN-readout-h256, ...). Options: dataset
(cifar10), P (default: the largest P of the local nets on that data set), c, statistic,
noise_norm, interpolation, note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from diffeo_stability.figures.mechanisms_local_P import VARIANTS, init_curve, legend_handles
from diffeo_stability.figures.net_panels import finish_runs
from diffeo_stability.figures.panels import mark_absent, readable_log_ticks
from diffeo_stability.figures.style import new_figure, outside_legend, panel_title
from diffeo_stability.models.registry import ARCHITECTURES, LOCAL_DEFAULTS, is_local
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, load_input, select

#: panel -> (the size's key in the registry options, its key in LOCAL_DEFAULTS, axis label)
SIZES = {
    "h": ("channels", "h", "hidden channels $h$"),
    "f_s": ("filter_size", "f", "filter size $f_s$ (px)"),
    "p_s": ("pool_size", "p", "pool size $p_s$ (px)"),
}


def _is_local(arch: str) -> bool:
    spec = ARCHITECTURES.get(arch)
    return spec is not None and is_local(spec)


def size_rows(rows: pd.DataFrame, variant: str, size: str) -> pd.DataFrame:
    """Rows of `variant` (a registered local net) whose names vary `size` (a key of SIZES),
    the other sizes at their defaults; with the size's value in column `value`, sorted."""
    keep, values = [], []
    for arch in rows["arch"].unique() if not rows.empty else []:
        spec = ARCHITECTURES.get(arch)
        if spec is None or (spec.variant_of or spec.name) != variant:
            continue
        others = [(o, d) for s, (o, d, _) in SIZES.items() if s != size]
        if all(spec.options[o] == LOCAL_DEFAULTS[d] for o, d in others):
            keep.append(arch)
            values.append(spec.options[SIZES[size][0]])
    selected = rows[rows["arch"].isin(keep)].copy()
    selected["value"] = selected["arch"].map(dict(zip(keep, values, strict=True)))
    return selected.sort_values("value")


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Three panels: R_f against h, f_s and p_s. Reads logavg.csv (figure input `local_nets`)
    and training.csv (the banner)."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    dataset = options.get("dataset", "cifar10")
    rows = probe.rows(logavg, dataset=dataset, c=probe.c)
    local = rows[[_is_local(arch) for arch in rows["arch"]]] if len(rows) else rows
    trained = select(local, state="trained")
    P = options.get("P") or (
        str(trained.loc[trained["n_train"].idxmax(), "P"]) if len(trained) else "largest"
    )
    local = select(local, P=P)
    fig, axes = new_figure(height=2.6, ncols=len(SIZES), squeeze=False, layout="constrained")
    missing = [] if logavg is not None else ["logavg.csv"]
    drawn: set[tuple[str, str]] = set()
    init_drawn = False
    for ax, (size, (_, _, label)) in zip(axes[0], SIZES.items(), strict=True):
        values: set[float] = set()
        for variant, (color, style) in VARIANTS.items():
            curve = size_rows(local, variant, size)
            now = select(curve, state="trained")
            y = now["R"].to_numpy(dtype=float)
            if now["value"].nunique() < 2 or not np.isfinite(y).any():
                continue
            ax.plot(now["value"], y, color=color, ls=style, marker="o", label=variant)
            drawn.add((color, style))
            values |= set(now["value"].astype(float))
            init = select(curve, state="init")
            x0, y0 = (init[k].to_numpy(dtype=float) for k in ("value", "R"))
            init_drawn |= init_curve(ax, x0, y0, color)
        ax.set_title(panel_title(dataset_label(dataset), f"P = {P}", f"vs {size}", max_chars=22))
        if not values:
            mark_absent(ax, f"no local nets of several {size} at P = {P}")
            continue
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sorted(values), [f"{v:g}" for v in sorted(values)])
        ax.xaxis.set_minor_locator(NullLocator())
        readable_log_ticks(ax.yaxis)
        ax.set_xlabel(label)
        ax.set_ylabel(rf"$R_f(\delta={probe.delta:g})$, $c={probe.c:g}$")
    outside_legend(axes[0, -1], handles=legend_handles(drawn, init_drawn))
    return finish_runs(fig, options, missing, local, inputs)
