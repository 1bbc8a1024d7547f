"""R_f, D_f, G_f (headline point) and the test error against the training budget E, one column
per net (config/cpu-long.yaml): each seed's end points (each run annealed at its own last
epoch) thin, their geometric mean over seeds thick; the snapshots of the longest runs (taken
mid-schedule, at a high learning rate) faint and dashed.

Reads seeds.csv (the end points, column `epochs`), training.csv (banner, widths) and
training_time.csv (the snapshots). Options: the headline keys, note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter, ScalarFormatter

from diffeo_stability.figures.budget_panels import (
    end_points,
    geometric_means,
    net_order,
    scale_note,
    snapshot_points,
)
from diffeo_stability.figures.mechanisms_training_time import (
    ERROR_COLOR,
    QUANTITIES,
    plain_log_labels,
)
from diffeo_stability.figures.panels import finish, mark_absent
from diffeo_stability.figures.style import (
    QUANTITY_COLORS,
    TEXT_WIDTH,
    new_figure,
    outside_legend,
    panel_title,
)
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, load_input, select


def budget_axis(ax) -> None:
    """Log x axis of E labelled with plain numbers at the budgets drawn."""
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """4 rows (R_f, D_f, G_f, test error) x one column per net."""
    seeds = load_input(inputs, "seeds.csv")
    training = load_input(inputs, "training.csv")
    rows = end_points(seeds, options)
    snapshots = snapshot_points(load_input(inputs, "training_time.csv"), options)
    nets = net_order(rows)
    ncols = max(len(nets), 1)
    fig, axes = new_figure(
        width=min(TEXT_WIDTH, 1.7 * ncols + 1.2),
        height=5.6,
        nrows=len(QUANTITIES),
        ncols=ncols,
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    missing = [] if seeds is not None else ["seeds.csv"]
    if rows.empty:
        probe = Headline.from_options(options)
        missing.append(f"end points at several budgets (c = {probe.c:g}, {probe.point})")
        for ax in axes[:, 0]:
            mark_absent(ax, "end points")
    for col, arch in enumerate(nets):
        net = select(rows, arch=arch)
        path = select(snapshots, arch=arch)
        for ax, (value, label, log) in zip(axes[:, col], QUANTITIES, strict=True):
            color = QUANTITY_COLORS.get(value, ERROR_COLOR)
            for _, run in path.groupby("seed"):
                run = run.sort_values("epoch")
                ax.plot(run["epoch"], run[value], color=color, lw=0.6, ls="--", alpha=0.35)
            for _, seed in net.groupby("seed"):
                seed = seed.sort_values("epochs")
                ax.plot(seed["epochs"], seed[value], color=color, lw=0.6, marker="o", ms=2)
            means = geometric_means(net, value)
            ax.plot(means.index, means.to_numpy(), color=color, lw=1.8)
            if log:
                ax.set_yscale("log")
                plain_log_labels(ax)
            if col == 0:
                ax.set_ylabel(label)
            budget_axis(ax)
        ax.set_xticks(sorted(set(net["epochs"])))
        axes[0, col].set_title(panel_title(arch))
        axes[-1, col].set_xlabel("budget E (epochs)")
    if nets:
        handles = [
            Line2D([], [], color="0.4", lw=0.6, marker="o", ms=2, label="one seed (end points)"),
            Line2D([], [], color="0.4", lw=1.8, label="geometric mean over seeds"),
            Line2D(
                [], [], color="0.4", lw=0.6, ls="--", alpha=0.35, label="snapshots, longest run"
            ),
        ]
        datasets = ", ".join(dataset_label(d) for d in sorted(set(rows["dataset"])))
        outside_legend(axes[0, -1], handles=handles, title=datasets, title_fontsize=6)
    return finish(fig, options, missing, rows, training, scale_note(rows, training))
