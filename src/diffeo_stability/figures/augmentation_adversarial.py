"""Typical against adversarial R_f per net, and the test error against each (issue 35): the
nets at the largest P trained with standard augmentation (crop_flip; every net of a run
without augmentation options) whose probe measured the adversarial option (column R_adv =
D_adv / G_adv: the worst-case diffeo against the worst-case noise of the same pixel norm;
docs/conventions.md). Left: R_f^adv against R_f with the diagonal; middle and right: eps_t
against R_f and against R_f^adv, with corr(log eps_t, log .) over the nets in the title.

Reads logavg.csv (geometric means over seeds) and training.csv (the banner). Options: the
headline keys, note.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from diffeo_stability.figures.arm_panels import VALUE_LABELS
from diffeo_stability.figures.panels import LOG_BARS, clean_log_axes, finish, mark_absent
from diffeo_stability.figures.style import TEXT_WIDTH, new_figure, panel_title, point_label
from diffeo_stability.tables.claims.augmentation import standard_rows
from diffeo_stability.tables.fits import log_correlation
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, load_input, log_band

#: (x, y) of each panel
PANELS = (("R", "R_adv"), ("R", "test_error"), ("R_adv", "test_error"))


def adversarial_rows(logavg: pd.DataFrame | None, options: Mapping[str, str]) -> pd.DataFrame:
    """One row per net: trained headline rows at the largest P under crop_flip (every row of
    a table without the `augmentation` column) with finite R_adv, R_f, eps_t > 0."""
    probe = Headline.from_options(options)
    return standard_rows(probe.rows(logavg, c=probe.c))


def panel(ax: Axes, rows: pd.DataFrame, x: str, y: str) -> None:
    """The nets at (x, y) with their seed spread as bars, each labelled."""
    ax.errorbar(
        rows[x], rows[y], xerr=log_band(rows, x), yerr=log_band(rows, y),
        ls="none", marker="o", ms=4, color="#1b9e77", capsize=2,
    )  # fmt: skip
    for _, net in rows.iterrows():
        point_label(ax, str(net["arch"]), float(net[x]), float(net[y]))
    clean_log_axes(ax)
    ax.set_xlabel(VALUE_LABELS[x])
    ax.set_ylabel(VALUE_LABELS[y])
    if y == "test_error" and len(rows) >= 3:
        r = log_correlation(rows[x].to_numpy(float), rows[y].to_numpy(float))
        ax.set_title(panel_title(f"corr(log eps_t, log {VALUE_LABELS[x]}) = {r:.2f}"))
    elif y == "R_adv":
        span = np.array([rows[[x, y]].min().min(), rows[[x, y]].max().max()])
        ax.plot(span, span, color="0.6", lw=0.8, ls=":")
        ax.set_title(panel_title(f"{dataset_label(str(rows['dataset'].iloc[0]))}, crop + flip"))


def draw(inputs: list[Path], options: Mapping[str, str]) -> Figure:
    """Three panels in a row (see the module docstring)."""
    logavg = load_input(inputs, "logavg.csv")
    training = load_input(inputs, "training.csv")
    rows = adversarial_rows(logavg, options)
    fig, axes = new_figure(width=TEXT_WIDTH, height=2.6, ncols=len(PANELS), layout="constrained")
    missing = [] if logavg is not None else ["logavg.csv"]
    if rows.empty:
        missing.append("adversarial R_f at the largest P under crop_flip (probe.adversarial)")
        for ax in axes:
            mark_absent(ax, "no adversarial R_f")
    else:
        for ax, (x, y) in zip(axes, PANELS, strict=True):
            panel(ax, rows, x, y)
    return finish(fig, options, missing, rows, training, [LOG_BARS] if not rows.empty else [])
