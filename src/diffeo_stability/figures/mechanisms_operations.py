"""Mechanisms, item 2: R_f, D_f and G_f after every operation inside the nets (conv, batch-norm,
ReLU, max-pool, residual sum), initial (open markers, dashed) and trained (filled, solid).

Two panels per net: R_f of each operation's output against the operation (0 = the input, the
last = the output), coloured by the kind of operation; under it D_f (diffeo) and G_f (noise) of
the same outputs. The operations are named on the axis (module paths below the net's blocks).
The input point (operation 0) differs between the initial and the trained net: the probe
seeds its diffeos and noise by (seed, state, ...), so each state has its own draws (the same
for every net, on the same test images); the note gives the two values. Options: dataset,
archs, the headline keys (statistic, noise norm, c, delta), note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.net_panels import finish_runs, nets_shown
from diffeo_stability.figures.panels import mark_absent, readable_log_ticks
from diffeo_stability.figures.style import (
    STATE_LINESTYLES,
    TEXT_WIDTH,
    new_figure,
    panel_title,
)
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, load_input, select

#: colour of each kind of operation (`mechanisms.operations.KINDS`)
KIND_COLORS = {
    "input": "black",
    "conv": "tab:blue",
    "batch-norm": "tab:orange",
    "ReLU": "tab:green",
    "max-pool": "tab:red",
    "average pool": "tab:brown",
    "residual sum + ReLU": "tab:purple",
    "linear": "tab:gray",
}
#: the quantities of the lower panel: column, label, colour, marker (colours apart from the
#: kinds' colours of the panel above)
CHANGES = (
    ("D", r"$D_f$ (diffeo)", "black", "^"),
    ("G", r"$G_f$ (noise)", "0.6", "s"),
)


def _r_panel(ax: Axes, points: pd.DataFrame, state: str) -> None:
    """R_f of one state: a grey line through markers coloured by kind (open at init)."""
    ax.plot(points["layer"], points["R"], color="0.5", ls=STATE_LINESTYLES[state], lw=0.7)
    colors = [KIND_COLORS.get(kind, "0.5") for kind in points["kind"]]
    ax.scatter(
        points["layer"],
        points["R"],
        s=9,
        edgecolors=colors,
        facecolors=colors if state == "trained" else "none",
        linewidths=0.8,
        zorder=3,
    )


def _change_panel(ax: Axes, points: pd.DataFrame, state: str) -> None:
    """D_f and G_f of one state, in their colours (open markers at init)."""
    for value, _, color, marker in CHANGES:
        ax.plot(
            points["layer"],
            points[value],
            color=color,
            ls=STATE_LINESTYLES[state],
            lw=0.8,
            marker=marker,
            ms=2.5,
            mfc=color if state == "trained" else "none",
        )


def input_note(rows: pd.DataFrame) -> list[str]:
    """Why operation 0 differs between the states, with its R_f per state (the same input and
    draws for every net of a state)."""
    if rows.empty:
        return []
    inputs = rows[rows["layer"] == 0].drop_duplicates("state").set_index("state")["R"]
    if not {"init", "trained"} <= set(inputs.index):
        return []
    return [
        f"Operation 0 (the input) has R_f = {inputs['init']:.3g} for the initial nets and "
        f"{inputs['trained']:.3g} for the trained ones: each state draws its own diffeos and "
        "noise (seeded by seed and state), the same for every net, on the same test images."
    ]


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Per net: R_f, then D_f and G_f, against the operation, init and trained."""
    table = load_input(inputs, "operations.csv")
    dataset, archs, rows = nets_shown(table, options)
    n = max(1, len(archs))
    fig, axes = new_figure(
        width=TEXT_WIDTH,
        height=2.9 * n + 0.6,
        nrows=2 * n,
        ncols=1,
        squeeze=False,
        layout="constrained",
        gridspec_kw={"height_ratios": [1.2, 1.0] * n},
    )
    missing = [] if table is not None else ["operations.csv"]
    headline = Headline.from_options(options)
    rows = select(rows, statistic=headline.statistic, noise_norm=headline.noise_norm)
    for k, arch in enumerate(archs or [""]):
        top, bottom = axes[2 * k, 0], axes[2 * k + 1, 0]
        top.sharex(bottom)
        drawn = pd.DataFrame()
        for state in ("init", "trained"):
            points = select(rows, arch=arch, state=state)
            if points.empty:
                missing.append(f"{arch or 'nets'} {state}")
                continue
            points = points.sort_values("layer")
            _r_panel(top, points, state)
            _change_panel(bottom, points, state)
            drawn = points
        if drawn.empty:
            mark_absent(top, arch or "any net")
            bottom.set_axis_off()
            continue
        top.axhline(1.0, color="0.5", lw=0.6, ls=":")
        top.set_yscale("log")
        readable_log_ticks(top.yaxis)
        bottom.set_yscale("log")
        top.set_ylabel(r"$R_f$")
        bottom.set_ylabel(r"$D_f$, $G_f$")
        top.tick_params(labelbottom=False)
        top.set_title(
            panel_title(arch, dataset_label(dataset), f"c = {headline.c:g}", max_chars=80)
        )
        names = drawn.drop_duplicates("layer")
        bottom.set_xticks(names["layer"], names["layer_name"], rotation=90, fontsize=4.5)
        bottom.set_xlim(-0.7, float(np.max(names["layer"])) + 0.7)
    kinds = [] if rows.empty else list(dict.fromkeys(rows["kind"]))
    handles = [
        Line2D([], [], ls="none", marker="o", ms=3, color=KIND_COLORS.get(kind, "0.5"), label=kind)
        for kind in kinds
    ]
    handles += [
        Line2D([], [], color=color, marker=marker, ms=2.5, label=label)
        for _, label, color, marker in CHANGES
    ]
    handles += [
        Line2D([], [], color="0.5", ls="--", label="initial (open markers)"),
        Line2D([], [], color="0.5", ls="-", label="trained (filled)"),
    ]
    axes[0, 0].legend(  # above the first title (a constrained layout keeps room for it)
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.15),
        ncols=6,
        frameon=False,
        fontsize=6,
    )
    return finish_runs(fig, options, missing, rows, inputs, input_note(rows))
