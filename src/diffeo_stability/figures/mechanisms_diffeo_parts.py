"""Mechanisms, item 5: what a diffeo is made of (the diffeo ensemble alone, at the probe's delta;
no network and no data set enter it).

Left: the local translation <||tau||^2> (pixels^2; = delta^2 in the slides' asymptotics).
Middle: the parts of the displacement gradient, compression, pure shear and rotation
<||.||^2> (dimensionless: pixels per pixel); compression and rotation are equal by the
ensemble's symmetry, so rotation is drawn with open markers offset to the right. Both panels:
measured (markers, error bars of two standard errors), the ensemble's exact expectation (solid)
and the slides' asymptotic forms (dashed). Right: the part of tau that is not a translation on
square patches of a few sizes, <||tau - <tau>_patch||^2> (pixels^2), measured (markers) against
its small-patch prediction from the gradient (dashed), with the translation for comparison (the
slides' "is it ok to compare" question). Reads no option (not even `note`: no run output).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diffeo_stability.figures.panels import finish, mark_absent, readable_log_ticks
from diffeo_stability.figures.style import new_figure
from diffeo_stability.tables.queries import load_input, select

#: part -> (colour, marker face filled, x offset factor of its markers, legend label)
GRADIENT_PARTS = {
    "compression": ("tab:blue", True, 1.0, "compression"),
    "shear": ("tab:orange", True, 1.0, "pure shear"),
    "rotation": (
        "tab:green",
        False,
        1.06,
        "rotation (open, shifted right: equals\ncompression by symmetry, lines coincide)",
    ),
}
PATCH_COLORS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")


def _part(ax: Axes, rows: pd.DataFrame, part: str, color: str, filled: bool, shift: float) -> None:
    """Measured (markers, +- 2 SE, abscissae times `shift`), exact (solid), slides (dashed)."""
    curve = select(rows, part=part).sort_values("c")
    ax.errorbar(
        curve["c"] * shift,
        curve["measured"],
        yerr=2 * curve["stderr"],
        color=color,
        mfc=color if filled else "none",
        ls="none",
        marker="o" if filled else "s",
        markersize=3.5,
    )
    ax.plot(curve["c"], curve["exact"], color=color, lw=0.9)
    ax.plot(curve["c"], curve["slides"], color=color, lw=0.9, ls="--")


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Three panels against c: the translation, the gradient's parts, the patches."""
    table = load_input(inputs, "diffeo_parts.csv")
    fig, (moves, parts, patches) = new_figure(height=3.2, ncols=3, layout="constrained")
    missing = [] if table is not None else ["diffeo_parts.csv"]
    rows = select(table, patch=0)
    if rows.empty:
        for ax, what in ((moves, "translation"), (parts, "diffeo parts"), (patches, "patches")):
            mark_absent(ax, what)
        missing.append("diffeo parts")
        return finish(fig, {}, missing)
    delta = float(rows["delta"].iloc[0])
    _part(moves, rows, "translation", "black", True, 1.0)
    moves.set_title(rf"translation, $\delta$ = {delta:g}")
    moves.set_ylabel(r"$\langle\|\tau\|^2\rangle$ (pixels$^2$)")
    for part, (color, filled, shift, _) in GRADIENT_PARTS.items():
        _part(parts, rows, part, color, filled, shift)
    parts.set_title(r"parts of $\nabla\tau$ (dimensionless)")
    parts.set_ylabel(r"$\langle\|\cdot\|^2\rangle$ (pixels/pixel)$^2$")
    translation = select(rows, part="translation").sort_values("c")
    patches.plot(translation["c"], translation["measured"], color="black", marker="o", ms=3)
    patch_handles = [Line2D([], [], color="black", marker="o", ms=3, label="translation")]
    for color, (p, curve) in zip(
        PATCH_COLORS, select(table, part="non_translation").groupby("patch"), strict=False
    ):
        curve = curve.sort_values("c")
        patches.errorbar(
            curve["c"], curve["measured"], yerr=2 * curve["stderr"], color=color, marker="s", ms=3
        )
        patches.plot(curve["c"], curve["linear"], color=color, ls="--", lw=0.9)
        patch_handles.append(
            Line2D([], [], color=color, marker="s", ms=3, label=f"not translation, {p:g}x{p:g}")
        )
    patch_handles.append(Line2D([], [], color="0.3", ls="--", lw=0.9, label="small-patch law"))
    patches.set_title(r"$\tau - \langle\tau\rangle_{patch}$ (pixels$^2$)")
    patches.set_ylabel(r"$\langle\|\tau - \langle\tau\rangle_{patch}\|^2\rangle$ (pixels$^2$)")
    for ax in (moves, parts, patches):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("cut-off c")
        readable_log_ticks(ax.xaxis)
    readable_log_ticks(moves.yaxis)
    moves.set_ylim(0.4, 1.5)
    parts.set_ylim(top=2.0)  # room for the legend above the data
    handles = [
        Line2D([], [], color=color, mfc=color if filled else "none", ls="none",
               marker="o" if filled else "s", ms=3.5, label=label)
        for color, filled, _, label in GRADIENT_PARTS.values()
    ]  # fmt: skip
    parts.legend(handles=handles, fontsize=5, frameon=False, loc="upper left")
    patch_handles += [
        Line2D([], [], color="0.3", lw=0.9, label="ensemble expectation"),
        Line2D([], [], color="0.3", lw=0.9, ls="--", label="slides' asymptotics"),
    ]
    fig.legend(
        handles=patch_handles, loc="outside lower center", ncols=4, frameon=False, fontsize=6
    )
    return finish(fig, {}, missing)
