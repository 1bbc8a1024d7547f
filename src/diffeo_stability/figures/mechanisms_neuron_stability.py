"""Neuron stability to local linear transformations: alpha = <[a_n(x) - a_n(tau x)]^2> per
layer (x: receptive-field size) and kind of deformation of unit norm (translation, rotation,
compression, shear), over all sampled neurons (full lines) and over the active ones (dashed);
right: alpha divided by the mean squared activation <a_n(x)^2> of the same neurons.
One row per state (init, trained). Reads neuron_stability.csv. Options: note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.panels import finish, mark_absent
from diffeo_stability.figures.style import new_figure, outside_legend
from diffeo_stability.tables.queries import dataset_label, load_input

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


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Rows = states; columns: alpha, alpha / <a^2>, against the receptive-field size."""
    table = load_input(inputs, "neuron_stability.csv")
    states = ["trained"] if table is None or table.empty else list(dict.fromkeys(table["state"]))
    fig, axes = new_figure(
        height=2.3 * len(states), nrows=len(states), ncols=2, squeeze=False, layout="constrained"
    )
    missing = [] if table is not None else ["neuron_stability.csv"]
    for row, state in enumerate(states):
        rows = table[table["state"] == state] if table is not None else None
        for col, normalised in enumerate((False, True)):
            ax = axes[row, col]
            if rows is None or rows.empty:
                mark_absent(ax, "neuron_stability.csv")
                continue
            for kind, color in KIND_COLORS.items():
                part = rows[rows["kind"] == kind].sort_values("field_px")
                for alpha, square, style, _ in NEURON_SETS:
                    y = part[alpha].to_numpy(dtype=float)
                    if normalised:
                        y = y / part[square].to_numpy(dtype=float)
                    ax.plot(part["field_px"], y, color=color, ls=style, marker="o")
            first = rows.iloc[0]
            active = rows.drop_duplicates("layer")
            counts = ", ".join(
                f"{r.layer} {r.active_neurons}/{r.neurons}" for r in active.itertuples()
            )
            ax.set_title(
                f"{first['arch']} {dataset_label(first['dataset'])} P={first['P']}, {state}\n"
                f"active: {counts}",
                fontsize=7,
            )
            ax.set_yscale("log")
            ax.set_xlabel("receptive field (px)")
            ax.set_ylabel(r"$\alpha / \langle a_n^2 \rangle$" if normalised else r"$\alpha$")
            ax.set_xticks(sorted(set(rows["field_px"])))
    handles = [Line2D([], [], color=c, label=k) for k, c in KIND_COLORS.items()]
    handles += [Line2D([], [], color="0.3", ls=s, label=label) for _, _, s, label in NEURON_SETS]
    outside_legend(axes[0, -1], handles=handles)
    if table is not None and not np.isfinite(table["alpha_active"].to_numpy(dtype=float)).all():
        missing.append("alpha over active neurons where a layer has none")
    return finish(fig, options, missing)
