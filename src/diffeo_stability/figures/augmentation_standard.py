"""Paper Fig. 12: R_f, D_f and G_f (headline point) against P with and without standard data
augmentation (crop_flip against none), one column per net (config/cpu-aug.yaml).

Reads logavg.csv (geometric means over seeds, rows with an `augmentation` column) and
training.csv (the banner). Options: the headline keys, note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures.arm_panels import (
    VALUE_LABELS,
    arm_handles,
    arm_rows,
    arms_of,
    compared_nets,
    curve_against_p,
)
from diffeo_stability.figures.panels import LOG_BARS, finish, mark_absent
from diffeo_stability.figures.style import TEXT_WIDTH, new_figure, outside_legend, panel_title
from diffeo_stability.tables.queries import dataset_label, load_input, select

ARMS = ("none", "crop_flip")
VALUES = ("R", "D", "G")


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """3 rows (R_f, D_f, G_f) x one column per net, one curve per option."""
    logavg = load_input(inputs, "logavg.csv")
    training = load_input(inputs, "training.csv")
    rows = arm_rows(logavg, options)
    rows = select(rows, augmentation=list(ARMS)) if not rows.empty else rows
    nets = compared_nets(rows)
    fig, axes = new_figure(
        width=min(TEXT_WIDTH, 1.8 * max(len(nets), 1) + 1.3),
        height=5.0,
        nrows=len(VALUES),
        ncols=max(len(nets), 1),
        squeeze=False,
        layout="constrained",
    )
    missing = [] if logavg is not None else ["logavg.csv"]
    if rows.empty:
        missing.append("trained rows under none and crop_flip (column augmentation)")
        for ax in axes[:, 0]:
            mark_absent(ax, "no augmentation arms")
    for col, arch in enumerate(nets):
        for dataset in sorted(set(select(rows, arch=arch)["dataset"])):
            for ax, value in zip(axes[:, col], VALUES, strict=True):
                for arm in arms_of(rows, ARMS):
                    curve_against_p(
                        ax, select(rows, arch=arch, dataset=dataset, augmentation=arm), value, arm
                    )
            axes[0, col].set_title(panel_title(arch, dataset_label(dataset)))
        axes[-1, col].set_xlabel("training-set size P")
    for ax, value in zip(axes[:, 0], VALUES, strict=True):
        ax.set_ylabel(VALUE_LABELS[value])
    if nets:
        outside_legend(axes[0, -1], handles=arm_handles(arms_of(rows, ARMS)))
    return finish(fig, options, missing, rows, training, [LOG_BARS] if nets else [])
