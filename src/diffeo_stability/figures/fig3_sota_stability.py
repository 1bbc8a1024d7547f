"""Fig. 3: R_f of SOTA nets: vs delta | at delta = 1 init vs trained per data set | vs P.

Options: archs (ResNet18,EfficientNetB0), datasets (mnist,fashionmnist,cifar10 | all),
sweep_dataset (cifar10), size_datasets (cifar10), c (3, for the R_f(P) panel), statistic,
noise_norm, note.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.options import datasets_option, option_list
from diffeo_stability.figures.panels import (
    clean_log_axes,
    cutoff_color,
    finish,
    mark_absent,
    seeds_label,
    size_panel,
    stability_bars,
)
from diffeo_stability.figures.style import (
    INTERPOLATION_MARKERS,
    STATE_LINESTYLES,
    new_figure,
    outside_legend,
    panel_title,
)
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import (
    cutoffs,
    dataset_label,
    full_size,
    load_input,
    select,
    size_label,
)

#: the pretrained ImageNet net drawn in the ImageNet bars of each row (the paper's pairing;
#: `probe.imagenet.ARCHS` names them)
IMAGENET_STAND_INS = {"ResNet18": "resnet101", "EfficientNetB0": "efficientnet_b2"}


def imagenet_note(logavg: pd.DataFrame | None, shown: set[str]) -> list[str]:
    """Why the paper's ImageNet bars (pretrained ResNet101, EfficientNetB2) are not drawn."""
    if "imagenet" in shown:
        return []
    why = (
        "not among the data sets of option datasets"
        if not select(logavg, dataset="imagenet").empty
        else "no ImageNet probe in these tables (it needs ImageNet images and the pretrained "
        "weights: config imagenet.images, imagenet.weights)"
    )
    return [f"The paper's ImageNet bars (pretrained ResNet101, EfficientNetB2) are absent: {why}"]


def sweep_rows(logavg, arch: str, dataset: str, probe: Headline) -> pd.DataFrame:
    """The delta-sweep rows of `arch` on `dataset` at its largest P (every c, interpolation)."""
    return full_size(
        select(
            logavg,
            point="sweep",
            is_output=True,
            arch=arch,
            dataset=dataset,
            statistic=probe.statistic,
            noise_norm=probe.noise_norm,
        )
    )


#: a ratio of R_f between interpolations that counts as mattering (the paper: they agree)
INTERPOLATION_MATTERS = 1.5


def interpolation_gap(rows: pd.DataFrame, arch: str, probe: Headline) -> list[tuple[str, float]]:
    """('ResNet18 at δ = 1.02: bilinear 0.73, gaussian 0.33 (x2.2)', 2.2): the trained net's
    R_f under each interpolation at the sweep point nearest the headline delta, at the
    headline c, and their ratio ([] with fewer than two interpolations)."""
    trained = select(rows, state="trained", c=probe.c)
    if trained.empty or trained["interpolation"].nunique() < 2:
        return []
    delta = min(set(trained["delta"]), key=lambda d: abs(d - probe.delta))
    values = select(trained, delta=delta).groupby("interpolation")["R"].mean()
    if len(values) < 2 or not (values > 0).all():
        return []
    each = ", ".join(f"{interp} {value:.2f}" for interp, value in values.items())
    ratio = float(values.max() / values.min())
    return [(f"{arch} at δ = {delta:.2f}: {each} (x{ratio:.1f})", ratio)]


def interpolation_note(gaps: list[tuple[str, float]], probe: Headline) -> list[str]:
    """The interpolation gaps of the left panels against the paper's statement; 'here it
    still does' when a ratio reaches `INTERPOLATION_MATTERS`."""
    if not gaps:
        return []
    here = "it still does" if max(r for _, r in gaps) >= INTERPOLATION_MATTERS else "too"
    return [
        f"Left, trained R_f by interpolation at the sweep point nearest δ = {probe.delta:g} "
        f"(c = {probe.c:g}): {'; '.join(text for text, _ in gaps)}. The paper finds the "
        f"interpolation no longer matters once δ is about a pixel; here {here}"
    ]


def delta_panel(ax: Axes, logavg, arch: str, dataset: str, probe: Headline) -> list[str]:
    """R_f vs delta at the largest P: colour = c, marker = interpolation, init dashed."""
    rows = sweep_rows(logavg, arch, dataset, probe)
    if rows.empty:
        missing = f"delta sweep of {arch} on {dataset_label(dataset)}"
        mark_absent(ax, missing)
        return [missing]
    all_c = cutoffs(rows)
    interps = sorted(set(rows["interpolation"]))
    for (c, interp, state), group in rows.groupby(["c", "interpolation", "state"]):
        group = group.sort_values("delta")
        ax.plot(
            group["delta"],
            group["R"],
            color=cutoff_color(c, all_c),
            ls=STATE_LINESTYLES[state],
            marker=INTERPOLATION_MARKERS.get(interp, "x"),
            markersize=2.5,
            lw=0.9,
        )
    handles = [Line2D([], [], color=cutoff_color(c, all_c), label=f"c={c:g}") for c in all_c]
    handles += [
        Line2D([], [], color="0.3", marker=INTERPOLATION_MARKERS.get(i, "x"), ls="", label=i)
        for i in interps
    ]
    handles += [Line2D([], [], color="0.3", ls=ls, label=s) for s, ls in STATE_LINESTYLES.items()]
    outside_legend(ax, handles=handles)
    clean_log_axes(ax)
    ax.set_xlabel(r"displacement $\delta$ (pixels)")
    ax.set_ylabel(r"$R_f$")
    ax.set_title(panel_title(arch, dataset_label(dataset), size_label(rows), seeds_label(rows)))
    return []


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Rows = architectures; columns = R_f(delta) | R_f(delta=1) bars | R_f(P). Reads logavg.csv."""
    logavg = load_input(inputs, "logavg.csv")
    probe = Headline.from_options(options)
    archs = option_list(options, "archs", ["ResNet18", "EfficientNetB0"])
    datasets = datasets_option(options, logavg)
    sweep_dataset = options.get("sweep_dataset", "cifar10")
    size_datasets = option_list(options, "size_datasets", ["cifar10"])
    c = probe.c
    fig, axes = new_figure(
        height=2.4 * len(archs), nrows=len(archs), ncols=3, squeeze=False, layout="constrained"
    )
    missing = [] if logavg is not None else ["logavg.csv"]
    gaps = []
    for row, arch in zip(axes, archs, strict=True):
        missing += delta_panel(row[0], logavg, arch, sweep_dataset, probe)
        gaps += interpolation_gap(sweep_rows(logavg, arch, sweep_dataset, probe), arch, probe)
        stand_in = {"imagenet": IMAGENET_STAND_INS.get(arch, arch)}
        missing += stability_bars(row[1], logavg, arch, datasets, probe, stand_in)
        missing += size_panel(row[2], logavg, arch, size_datasets, probe, c)
    shown = {*datasets, sweep_dataset, *size_datasets}
    drawn = select(
        logavg,
        arch=[*archs, *IMAGENET_STAND_INS.values()],
        dataset=shown,
        is_output=True,
        statistic=probe.statistic,
        noise_norm=probe.noise_norm,
    )
    notes = interpolation_note(gaps, probe) + imagenet_note(logavg, shown)
    training = load_input(inputs, "training.csv")
    return finish(fig, options, missing, drawn, training, notes)
