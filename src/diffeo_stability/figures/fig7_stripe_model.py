"""Fig. 7: the stripe model. Left, data in (x_1, x_2) coloured by label with the two decision
planes; right, R_f(P) log-log (geometric mean over seeds, min-max band), fitted slope and a
slope -1 triangle.

Inputs: results/tables/stripe.csv (columns d, P, seed, R, ...). Options: `d` (which d to plot;
default the largest in the table), `fit_p_min` (fit the slope on P >= this;
default all P). No `note`: the config's note speaks of the runs' image data sets; the banner
states the stripe model's own scale (d, P, seeds, hidden width, test points, loss). The left
panel is a sketch: 600 points drawn here from the data distribution (seed 0), not the runs'
data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from diffeo_stability.errors import DataError
from diffeo_stability.figures.style import new_figure
from diffeo_stability.stripe.config import HIGH, LOW
from diffeo_stability.tables.fits import fit_power_law

CLASS_COLORS = {1: "tab:red", -1: "tab:blue"}


def draw_data(ax: Axes, n: int = 600, seed: int = 0) -> None:
    """Scatter n Gaussian points in (x_1, x_2) by label; the planes x_1 = LOW and x_1 = HIGH."""
    x = np.random.default_rng(seed).standard_normal((n, 2))
    y = np.where((x[:, 0] > LOW) & (x[:, 0] < HIGH), 1, -1)
    for label, color in CLASS_COLORS.items():
        pts = x[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=4, color=color, alpha=0.7, lw=0)
    for edge in (LOW, HIGH):
        ax.axvline(edge, color="k", lw=1)
    ax.set(xlabel=r"$x_\parallel = x_1$", ylabel=r"$x_\perp$ (one of $d-1$)", aspect="equal")
    ax.set(xlim=(-3.2, 3.2), ylim=(-3.2, 3.2))


def slope_triangle(ax: Axes, x0: float, y0: float, decades: float = 0.5) -> None:
    """A slope -1 triangle: hypotenuse from (x0, y0) down to x0 * 10**decades, legs below it."""
    x1, y1 = x0 * 10**decades, y0 / 10**decades
    ax.plot([x0, x1, x0, x0], [y0, y1, y1, y0], color="0.3", lw=0.8)
    ax.text(np.sqrt(x0 * x1), y1 / 1.15, "1", ha="center", va="top", fontsize=7, color="0.3")
    ax.text(x0 / 1.08, np.sqrt(y0 * y1), "1", ha="right", va="center", fontsize=7, color="0.3")


def draw_rf(ax: Axes, runs: pd.DataFrame, fit_p_min: float = 0.0) -> float:
    """R_f vs P: seeds, geometric mean, min-max band, power-law fit on P >= fit_p_min; slope."""
    runs = runs[runs["R"] > 0]
    stats = runs.groupby("P")["R"].agg(
        gmean=lambda r: float(np.exp(np.log(r).mean())), lo="min", hi="max", n="size"
    )
    p = stats.index.to_numpy(dtype=float)
    ax.scatter(runs["P"], runs["R"], s=5, color="tab:green", alpha=0.35, lw=0)
    ax.fill_between(
        p, stats["lo"], stats["hi"], color="tab:green", alpha=0.15, lw=0, label="min-max over seeds"
    )
    ax.plot(p, stats["gmean"], "o-", color="tab:green", label="geometric mean over seeds")
    fitted = p >= fit_p_min
    fit = fit_power_law(p[fitted], stats["gmean"].to_numpy()[fitted])
    ax.plot(
        p[fitted], fit(p[fitted]), "--", color="k", lw=0.9, label=f"fit: slope {fit.exponent:.2f}"
    )
    slope_triangle(ax, p[0] * 1.5, float(fit(p[0] * 1.5)) / 2.5)
    ax.set(xscale="log", yscale="log", xlabel="training-set size $P$", ylabel="$R_f$")
    ax.set_xticks(p, labels=[f"{v:g}" for v in p])  # the probed sizes
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(loc="upper right")
    return fit.exponent


def stripe_banner(runs: pd.DataFrame) -> str:
    """The scale of the stripe-model runs drawn: d, P, seeds, and the columns of the table
    that say how each net was trained (hidden width h, test points, loss), where present."""
    p = runs["P"]
    parts = [
        f"Stripe model (synthetic Gaussian data, no image set): d = {int(runs['d'].iloc[0])}",
        f"P = {p.min():g}-{p.max():g}",
        f"{runs['seed'].nunique()} seeds",
    ]
    for column, name in (("h", "h"), ("n_test", "test points"), ("loss", "loss")):
        if column in runs and runs[column].nunique() == 1:
            parts.append(f"{name} = {runs[column].iloc[0]}")
    return ", ".join(parts)


def draw(inputs: list[Path], options: dict[str, str]) -> Figure:
    """Two panels from the stripe table `inputs[0]` (see module docstring)."""
    if not inputs:
        raise DataError("fig7_stripe_model needs the stripe table (results/tables/stripe.csv)")
    table = pd.read_csv(inputs[0])
    d = int(options.get("d", table["d"].max()))
    runs = table[table["d"] == d]
    if runs["P"].nunique() < 2:
        raise DataError(f"{inputs[0]}: fig7 needs at least two values of P for d = {d}")
    fig, (left, right) = new_figure(height=2.6, ncols=2, gridspec_kw={"width_ratios": [1, 1.3]})
    draw_data(left)
    left.set_title("stripe model: red $y = +1$, blue $y = -1$")
    slope = draw_rf(right, runs, float(options.get("fit_p_min", 0)))
    n_seeds = runs.groupby("P")["seed"].nunique().min()
    right.set_title(f"$d = {d}$, {n_seeds} seeds per $P$, slope {slope:.2f}")
    fig.suptitle(stripe_banner(runs), fontsize=7)
    fig.tight_layout()
    return fig
