"""Mechanisms, item 5: what a diffeo is made of (the diffeo ensemble alone, at the probe's delta).

Left: the mean squared norm of each part against the cut-off c, measured (markers, error bars
of two standard errors), the ensemble's exact expectation (solid) and the slides' asymptotic
forms (dashed): local translation <||tau||^2> (pixels^2, = delta^2 asymptotically) and the
gradient's compression, pure shear and rotation (dimensionless). Right: the part of tau that is
not a translation on square patches of a few sizes, <||tau - <tau>_patch||^2> (pixels^2),
measured (markers) against its small-patch prediction from the gradient (dashed), with the
translation for comparison (the slides' "is it ok to compare" question). Options: note.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from diffeo_stability.figures.net_panels import shared_legend
from diffeo_stability.figures.panels import finish, mark_absent
from diffeo_stability.figures.style import new_figure
from diffeo_stability.tables.queries import load_input, select

PART_COLORS = {
    "translation": "black",
    "compression": "tab:blue",
    "shear": "tab:orange",
    "rotation": "tab:green",
}
PATCH_COLORS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Two panels: the parts against c; the non-translation part on patches against c."""
    table = load_input(inputs, "diffeo_parts.csv")
    fig, (parts, patches) = new_figure(height=2.8, ncols=2, layout="constrained")
    missing = [] if table is not None else ["diffeo_parts.csv"]
    rows = select(table, patch=0)
    if rows.empty:
        mark_absent(parts, "diffeo parts")
        mark_absent(patches, "patches")
        missing.append("diffeo parts")
        return finish(fig, options, missing)
    for part, color in PART_COLORS.items():
        curve = select(rows, part=part).sort_values("c")
        parts.errorbar(
            curve["c"],
            curve["measured"],
            yerr=2 * curve["stderr"],
            color=color,
            ls="none",
            marker="o",
            markersize=3,
            label=f"{part} (measured)",
        )
        parts.plot(curve["c"], curve["exact"], color=color, lw=0.9)
        parts.plot(curve["c"], curve["slides"], color=color, lw=0.9, ls="--")
    parts.plot([], [], color="0.3", lw=0.9, label="ensemble expectation")
    parts.plot([], [], color="0.3", lw=0.9, ls="--", label="slides' asymptotics")
    delta = float(rows["delta"].iloc[0])
    parts.set_title(rf"parts of $\tau$ at $\delta$ = {delta:g} (mean squared norms)")
    translation = select(rows, part="translation").sort_values("c")
    patches.plot(
        translation["c"],
        translation["measured"],
        color="black",
        marker="o",
        markersize=3,
        label="translation",
    )
    for color, (p, curve) in zip(
        PATCH_COLORS, select(table, part="non_translation").groupby("patch"), strict=False
    ):
        curve = curve.sort_values("c")
        patches.errorbar(
            curve["c"],
            curve["measured"],
            yerr=2 * curve["stderr"],
            color=color,
            marker="s",
            markersize=3,
            label=f"non-translation, {p:g}x{p:g} patch",
        )
        patches.plot(curve["c"], curve["linear"], color=color, ls="--", lw=0.9)
    patches.plot([], [], color="0.3", ls="--", lw=0.9, label="linear (small-patch) prediction")
    patches.set_title(r"$\langle\|\tau - \langle\tau\rangle_{patch}\|^2\rangle$ (pixels$^2$)")
    for ax in (parts, patches):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("cut-off c")
    parts.set_ylabel("mean squared norm")
    shared_legend(fig, [parts], columns=3)
    patches.legend(fontsize=5, frameon=False, loc="best")
    return finish(fig, options, missing)
