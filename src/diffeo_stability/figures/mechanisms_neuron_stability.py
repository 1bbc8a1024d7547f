"""Neuron stability to local linear transformations: alpha = <[a_n(x) - a_n(tau x)]^2> per
layer (x: receptive-field size) and kind of deformation (translation, rotation, compression,
shear), over all sampled neurons (full lines) and over the active ones (dashed).

The kinds are applied at unit norm: a translation moves every pixel by 1 px, while a rotation,
compression or shear (displacement gradient of Frobenius norm 1) moves the pixels of the
receptive field by more, growing with its size (the table's displacement_rms_px: 2.8 to 7.8 px
rms in the published run), which the x tick labels state. Middle: alpha divided by the mean
squared activation <a_n(x)^2> of the same neurons; right: further divided by the squared rms
displacement, i.e. per px^2 of displacement (the kinds compared at equal displacement, as far
as alpha grows as its square). A neuron is active when its activation is > 0 on at least half
of the images (`mechanisms.neuron_settings.INACTIVE_MAJORITY`); the titles count the active
ones of each layer. One row per state (init, trained). Reads neuron_stability.csv and
training.csv (the banner). Options: note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.net_panels import finish_runs, readable_log_axis
from diffeo_stability.figures.panels import mark_absent
from diffeo_stability.figures.style import new_figure, outside_legend, panel_title
from diffeo_stability.mechanisms.neuron_settings import INACTIVE_MAJORITY
from diffeo_stability.tables.queries import load_input

KIND_COLORS = {
    "translation": "tab:gray",
    "rotation": "tab:purple",
    "compression": "tab:green",
    "shear": "tab:orange",
}
#: (alpha column, activation column, line style, label) of the two neuron sets
NEURON_SETS = (
    ("alpha", "activation_sq", "-", "all neurons"),
    ("alpha_active", "activation_sq_active", "--", "active neurons"),
)
#: the columns: y label, divided by <a^2>, divided by the squared rms displacement
COLUMNS = (
    (r"$\alpha$", False, False),
    (r"$\alpha / \langle a_n^2 \rangle$", True, False),
    (r"$\alpha / (\langle a_n^2 \rangle\, d_{rms}^2)$ (per px$^2$)", True, True),
)


def field_labels(rows: pd.DataFrame) -> tuple[list[float], list[str]]:
    """Tick positions (receptive-field sizes, px) and labels with the rms displacement of the
    rotation / compression / shear of unit norm in that field."""
    fields = rows[rows["kind"] != "translation"].drop_duplicates("field_px").sort_values("field_px")
    labels = [
        f"{f:g}\n({d:.1f} px)"
        for f, d in zip(fields["field_px"], fields["displacement_rms_px"], strict=True)
    ]
    return list(fields["field_px"]), labels


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Rows = states; columns: alpha, alpha / <a^2>, per px^2; against the field size."""
    table = load_input(inputs, "neuron_stability.csv")
    states = ["trained"] if table is None or table.empty else list(dict.fromkeys(table["state"]))
    fig, axes = new_figure(
        height=2.3 * len(states) + 0.5,
        nrows=len(states),
        ncols=len(COLUMNS),
        squeeze=False,
        layout="constrained",
    )
    missing = [] if table is not None else ["neuron_stability.csv"]
    for row, state in enumerate(states):
        rows = table[table["state"] == state] if table is not None else None
        for col, (ylabel, per_activation, per_displacement) in enumerate(COLUMNS):
            ax = axes[row, col]
            if rows is None or rows.empty:
                mark_absent(ax, "neuron_stability.csv")
                continue
            for kind, color in KIND_COLORS.items():
                part = rows[rows["kind"] == kind].sort_values("field_px")
                for alpha, square, style, _ in NEURON_SETS:
                    y = part[alpha].to_numpy(dtype=float)
                    if per_activation:
                        y = y / part[square].to_numpy(dtype=float)
                    if per_displacement:
                        y = y / part["displacement_rms_px"].to_numpy(dtype=float) ** 2
                    ax.plot(part["field_px"], y, color=color, ls=style, marker="o", ms=3)
            active = rows.drop_duplicates("layer")
            counts = [f"{r.layer} {r.active_neurons}/{r.neurons}" for r in active.itertuples()]
            if col == 0:
                arch = str(rows["arch"].iloc[0]) if "arch" in rows else ""
                title = f"{arch} {state}, active neurons:\n{panel_title(*counts)}"
                ax.set_title(title, fontsize=6)
            else:
                ax.set_title(state, fontsize=6)
            ax.set_yscale("log")
            ax.set_xlabel("receptive field (px)\n(rms displacement at unit norm)", fontsize=6)
            ax.set_ylabel(ylabel, fontsize=7)
            ax.set_xticks(*field_labels(rows), fontsize=6)
            readable_log_axis(ax.yaxis)
    handles = [Line2D([], [], color=c, label=k) for k, c in KIND_COLORS.items()]
    handles += [Line2D([], [], color="0.3", ls=s, label=label) for _, _, s, label in NEURON_SETS]
    outside_legend(axes[0, -1], handles=handles)
    notes = [
        "Unit norm: translation 1 px; rotation, compression, shear: displacement gradient of "
        "Frobenius norm 1, i.e. the rms displacement under each receptive field size. "
        f"Active neuron: activation > 0 on at least {1 - INACTIVE_MAJORITY:.0%} of the images."
    ]
    if table is not None and not np.isfinite(table["alpha_active"].to_numpy(dtype=float)).all():
        missing.append("alpha over active neurons where a layer has none")
    return finish_runs(fig, options, missing, table, inputs, notes)
