"""Panels shared by several figures: init-vs-trained bars, R_f(P) curves, slope triangles.

Each panel function draws on one axis and returns the list of what it could not find, so the
figure can state it in a note instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from diffeo_stability.figures.style import (
    CUTOFF_COLORS,
    STATE_ALPHA,
    STATE_LINESTYLES,
    add_note,
    dataset_color,
    outside_legend,
    panel_title,
    spread_labels,
    unclutter_ticks,
)
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import (
    by_size,
    cutoffs,
    dataset_label,
    full_size,
    log_band,
    select,
    size_label,
)


def cutoff_color(c: float, all_c: Sequence[float]) -> str:
    """Colour of cut-off `c` by its rank among `all_c`."""
    return CUTOFF_COLORS[list(all_c).index(c) % len(CUTOFF_COLORS)]


#: the columns naming one network (seeds counted in n_undefined)
RUN_KEYS = ["arch", "dataset", "P", "state"]


#: what the error bars of every figure with `errorbars` are (figure notes and captions)
LOG_BARS = "Bars: the value times exp(±1 standard deviation over seeds of its log)"


def _count(rows: pd.DataFrame, column: str) -> pd.Series:
    """`column` of `rows` as numbers (0 where absent or unreadable)."""
    if column not in rows:
        return pd.Series(0, index=rows.index)
    return pd.to_numeric(rows[column], errors="coerce").fillna(0)


def excluded_note(drawn: pd.DataFrame | None) -> list[str]:
    """'n run(s) excluded: ...' when the rows a figure would draw count runs with an undefined
    R_f (the figure's own rows: a run the figure would never show is not its footnote)."""
    if drawn is None or drawn.empty or "n_undefined" not in drawn:
        return []
    counts = _count(drawn, "n_undefined")
    runs = counts.groupby([drawn[k] for k in RUN_KEYS]).max()  # one count per run, not per row
    runs = runs[runs > 0]
    if runs.empty:
        return []
    names = ", ".join(" ".join(map(str, key)) for key in runs.index[:3])
    more = ", ..." if len(runs) > 3 else ""
    n = int(runs.sum())
    return [
        f"{n} run{'s' if n != 1 else ''} excluded: output changes at float rounding "
        f"(R_f undefined, not drawn): {names}{more}"
    ]


def seed_counts(rows: pd.DataFrame | None) -> list[int]:
    """The distinct numbers of seeds behind the R_f of `rows` (n_seeds - n_undefined)."""
    if rows is None or rows.empty or "n_seeds" not in rows:
        return []
    seeds = _count(rows, "n_seeds") - _count(rows, "n_undefined")
    return sorted({int(n) for n in seeds if n > 0})


def seeds_label(rows: pd.DataFrame | None) -> str:
    """'1 seed', '3 seeds', '2-3 seeds' behind the R_f of `rows` ('' without rows)."""
    counts = seed_counts(rows)
    if not counts:
        return ""
    span = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    return f"{span} seed{'s' if counts[-1] != 1 else ''}"


def _span(values: Sequence[float]) -> str:
    """'100' or '100-1000' of positive numbers."""
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def width_label(factors: Sequence[float]) -> str:
    """'width 1/8, 1/4 of the published nets' of the width factors of the runs drawn ('' when
    every net has its published width)."""
    fractions = sorted({Fraction(float(f)).limit_denominator(64) for f in factors})
    if not fractions or fractions == [1]:
        return ""
    return "width " + ", ".join(str(f) for f in fractions) + " of the published nets"


def scale_banner(drawn: pd.DataFrame | None, training: pd.DataFrame | None) -> str:
    """The training scale of the data a figure draws, read from its rows: training-set sizes
    (n_train), seeds per point and, from the training table, the epochs and the width factors
    of those runs. '' without rows."""
    if drawn is None or drawn.empty or "n_train" not in drawn:
        return ""
    sizes = pd.to_numeric(drawn["n_train"], errors="coerce").dropna()
    parts = [f"P = {_span(list(sizes))}"] if len(sizes) else []
    if training is not None and {"dataset", "arch", "P", "epochs"} <= set(training.columns):
        keys = ["dataset", "arch", "P"]
        runs = drawn[keys].astype(str).drop_duplicates()
        trained = training.assign(**{k: training[k].astype(str) for k in keys}).merge(runs)
        epochs = pd.to_numeric(trained["epochs"], errors="coerce").dropna()
        if len(epochs):
            parts.append(f"{_span(list(epochs))} epochs")
        if "width_factor" in trained:
            widths = pd.to_numeric(trained["width_factor"], errors="coerce").dropna()
            parts += [label] if (label := width_label(list(widths))) else []
    seeds = seeds_label(drawn)
    if seeds:
        parts.append(f"{seeds} per point")
    return "Data drawn: " + ", ".join(parts) if parts else ""


def finish(
    fig: Figure,
    options: Mapping[str, str],
    missing: Sequence[str],
    drawn: pd.DataFrame | None = None,
    training: pd.DataFrame | None = None,
    notes: Sequence[str] = (),
) -> Figure:
    """Put options["note"] and the scale of the `drawn` rows (`scale_banner`) in the suptitle
    and, in a note under the figure, what is missing, `notes`, and how many runs of `drawn`
    were excluded as collapsed; then place the point labels."""
    title = [options["note"]] if options.get("note") else []
    title += [banner] if (banner := scale_banner(drawn, training)) else []
    if title:
        fig.suptitle("\n".join(title), fontsize=7)
    lines = ["Missing (not drawn): " + "; ".join(dict.fromkeys(missing))] if missing else []
    lines += [*notes, *excluded_note(drawn)]
    unclutter_ticks(fig)
    hidden = 0
    for _ in range(3):  # a longer note moves the panels: place the labels again until stable
        text = lines + ([f"{hidden} point labels left out (no free room)"] if hidden else [])
        if text:
            add_note(fig, "\n".join(text))
        placed_hidden = spread_labels(fig)
        if placed_hidden == hidden:
            break
        hidden = placed_hidden
    return fig


def mark_absent(ax: Axes, what: str) -> None:
    """Say in an empty panel that its data are absent, instead of leaving a blank frame."""
    ax.text(
        0.5,
        0.5,
        f"no data:\n{what}",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=6,
        color="0.4",
        wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def clean_log_axes(ax: Axes) -> None:
    """Log scale on both axes; minor tick labels only where an axis spans less than 10x."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    quiet_minor_labels(ax)


def quiet_minor_labels(ax: Axes) -> None:
    """Drop the minor tick labels of log axes spanning more than a decade (call after plotting)."""
    for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() == "log" and low > 0 and high / low > 10:
            axis.set_minor_formatter(NullFormatter())


def readable_log_ticks(axis: Axis) -> None:
    """Labelled ticks at 1, 2 and 5 times the powers of ten of a log axis (a bar's value can be
    read off), plain numbers; no minor ticks."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_locator(NullLocator())


def slope_triangle(ax: Axes, x0: float, y0: float, slope: float = -1.0, decades: float = 0.5):
    """A log-log slope triangle with its left corner at (x0, y0), `decades` wide in x (the
    caller places it away from the data)."""
    x1 = x0 * 10**decades
    y1 = y0 * 10 ** (slope * decades)
    ax.plot([x0, x1, x1, x0], [y0, y0, y1, y0], color="0.3", lw=0.8)
    ax.text(x1 * 1.08, np.sqrt(y0 * y1), f"{slope:g}", fontsize=6, va="center", color="0.3")


def stability_bars(
    ax: Axes,
    logavg: pd.DataFrame | None,
    arch: str,
    datasets: Sequence[str],
    probe: Headline,
    stand_ins: Mapping[str, str] | None = None,
) -> list[str]:
    """R_f(delta=1) at the largest P per data set (groups) and c (colours): init shaded.

    Each (data set, c) slot holds the init bar (left half) and the trained bar (right half).
    `stand_ins` maps a data set to the architecture drawn for it instead of `arch` (the paper's
    ImageNet bars: pretrained ResNet101 beside ResNet18).
    """
    stand_ins = stand_ins or {}
    archs = {dataset: stand_ins.get(dataset, arch) for dataset in datasets}
    parts = [probe.rows(logavg, arch=archs[d], dataset=d) for d in datasets]
    rows = full_size(pd.concat(parts)) if parts else pd.DataFrame()
    all_c = cutoffs(rows)
    missing = []
    width = 0.8 / max(len(all_c), 1)
    heights = []
    bottom = ax.get_xaxis_transform()  # x in data, y in axes fraction
    for i, dataset in enumerate(datasets):
        here = select(rows, dataset=dataset)
        if here.empty:
            missing.append(f"{archs[dataset]} on {dataset_label(dataset)} (largest P)")
            ax.text(i, 0.5, "no data", transform=bottom, ha="center", fontsize=6, color="0.4")
            continue
        for j, c in enumerate(all_c):
            for k, (state, alpha) in enumerate(STATE_ALPHA.items()):
                value = select(here, c=c, state=state)["R"].to_numpy(dtype=float)
                x = i - 0.4 + (j + 0.25 + 0.5 * k) * width
                if value.size and np.isfinite(value[0]):
                    ax.bar(x, value[0], width / 2, color=cutoff_color(c, all_c), alpha=alpha)
                    heights.append(float(value[0]))
                elif value.size:  # undefined (collapsed): a marked gap, not a bar
                    ax.plot(
                        x,
                        0.03,
                        marker="x",
                        ms=3,
                        color=cutoff_color(c, all_c),
                        transform=bottom,
                        clip_on=False,
                    )
    ax.set_yscale("log")
    positive = [h for h in heights if h > 0]
    if positive:
        ax.set_ylim(min(min(positive), 1.0) / 3, max(max(positive), 1.0) * 2)
    readable_log_ticks(ax.yaxis)
    ax.axhline(1.0, color="0.5", lw=0.6, ls=":")
    labels = [dataset_label(d) + (f"\n({archs[d]})" if archs[d] != arch else "") for d in datasets]
    ax.set_xticks(range(len(datasets)), labels)
    ax.set_xlim(-0.6, len(datasets) - 0.4)
    ax.set_ylabel(r"$R_f(\delta=1)$")
    ax.set_title(panel_title(arch, size_label(rows), seeds_label(rows) + " per bar"))
    if all_c:
        handles = [Patch(color=cutoff_color(c, all_c), label=f"c={c:g}") for c in all_c]
        handles += [Patch(color="0.4", alpha=a, label=state) for state, a in STATE_ALPHA.items()]
        outside_legend(ax, handles=handles)
    return missing


def size_curve(
    ax: Axes,
    rows: pd.DataFrame,
    value: str,
    label: str,
    color: str,
    errorbars: bool = False,
    **line_kw,
) -> bool:
    """`value` (R, D or G) of trained nets vs the training-set size; False when no rows with
    a defined (finite) value."""
    rows = select(rows, state="trained")
    if rows.empty or not np.isfinite(rows[value].to_numpy(dtype=float)).any():
        return False
    rows = by_size(rows)
    x = rows["n_train"].to_numpy(dtype=float)
    y = rows[value].to_numpy(dtype=float)
    gaps = ~np.isfinite(y)  # undefined (collapsed): the line breaks, an x marks the P
    if gaps.any():
        ax.plot(
            x[gaps],
            np.full(gaps.sum(), 0.03),
            ls="",
            marker="x",
            ms=3,
            color=color,
            transform=ax.get_xaxis_transform(),
            clip_on=False,
        )
    y[gaps] = np.nan
    if errorbars:
        ax.errorbar(
            x, y, yerr=log_band(rows, value), color=color, label=label, capsize=2, **line_kw
        )
    else:
        ax.plot(x, y, color=color, label=label, **line_kw)
    return True


def init_level(ax: Axes, rows: pd.DataFrame, color: str) -> None:
    """The geometric mean of R_f at initialisation over all P, as a dashed horizontal line."""
    init = select(rows, state="init")["R"].to_numpy(dtype=float)
    init = init[np.isfinite(init) & (init > 0)]
    if init.size:
        ax.axhline(
            float(np.exp(np.log(init).mean())), color=color, ls=STATE_LINESTYLES["init"], lw=0.9
        )


def size_panel(
    ax: Axes,
    logavg: pd.DataFrame | None,
    arch: str,
    datasets: Sequence[str],
    probe: Headline,
    c: float,
    triangle: bool = True,
) -> list[str]:
    """R_f(P) at cut-off `c`, one line per data set, init level dashed, optional slope -1."""
    missing = []
    drawn = []
    for dataset in datasets:
        rows = probe.rows(logavg, arch=arch, dataset=dataset, c=c)
        color = dataset_color(dataset)
        if not size_curve(ax, rows, "R", dataset_label(dataset), color, marker="o"):
            missing.append(f"{arch} on {dataset_label(dataset)} vs P (c={c:g})")
            continue
        init_level(ax, rows, color)
        drawn.append(by_size(select(rows, state="trained")))
    clean_log_axes(ax)
    ax.set_xlabel("training-set size $P$")
    ax.set_ylabel(rf"$R_f(\delta=1)$, $c={c:g}$")
    ax.set_title(
        panel_title(f"{arch}, trained vs P", seeds_label(pd.concat(drawn)) + " per point")
        if drawn
        else f"{arch}, trained vs P"
    )
    if not drawn:
        mark_absent(ax, "; ".join(missing))
        return missing
    handles = ax.get_legend_handles_labels()[0]
    handles.append(Line2D([], [], color="0.4", ls=STATE_LINESTYLES["init"], label="init"))
    outside_legend(ax, handles=handles)
    both = pd.concat(drawn)
    values = both["R"].to_numpy(dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if triangle and both["n_train"].nunique() > 1 and values.size:
        # below every point: its top edge a factor 2 under the smallest R_f
        slope_triangle(ax, float(both["n_train"].min()), float(values.min()) / 2, -1.0, 0.5)
    return missing
