"""At least two labelled ticks on every log axis of a figure, so that its values can be read.

Matplotlib labels only the powers of ten of a log axis (and its minor ticks while few fit); an
axis spanning less than a decade, or one whose minor labels were dropped for room
(`style.unclutter_ticks`), is left with one labelled tick or none. `label_log_axes` runs after
every figure's `draw` (`registry.FigureSpec.draw`): the one place that applies to all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    MaxNLocator,
    NullFormatter,
)

#: the mantissas tried in turn for the labelled ticks of a log axis, fewest labels first
SUBS: tuple[tuple[float, ...], ...] = ((1.0, 3.0), (1.0, 2.0, 5.0), tuple(range(1, 10)))
#: fewest labelled ticks on a log axis
MIN_LABELS = 2
PLAIN = FuncFormatter(lambda value, _: f"{value:.6g}")


def _inside(locs: Sequence[float], low: float, high: float) -> np.ndarray:
    locs = np.asarray(locs, dtype=float)
    return locs[(locs >= low * (1 - 1e-9)) & (locs <= high * (1 + 1e-9))]


def labelled_ticks(axis: Axis) -> list[str]:
    """The non-empty, visible tick labels (major and minor) within the view of `axis`."""
    low, high = sorted(axis.get_view_interval())
    labels = []
    for locs, formatter, ticks in (
        (axis.get_majorticklocs(), axis.get_major_formatter(), axis.get_major_ticks),
        (axis.get_minorticklocs(), axis.get_minor_formatter(), axis.get_minor_ticks),
    ):
        locs = list(locs)
        texts = formatter.format_ticks(locs) if locs else []
        for loc, text, tick in zip(locs, texts, ticks(len(locs)), strict=True):
            shown = tick.label1.get_visible() or tick.label2.get_visible()
            if shown and text.strip() and low * (1 - 1e-9) <= loc <= high * (1 + 1e-9):
                labels.append(text)
    return labels


def log_axes(fig: Figure) -> list[Axis]:
    """The visible log axes of `fig` that show ticks (a panel emptied of ticks on purpose,
    `panels.mark_absent`, is left out)."""
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            emptied = isinstance(axis.get_major_locator(), FixedLocator) and not len(
                axis.get_majorticklocs()
            )
            shown = ax.axison and axis.get_visible() and not emptied
            if shown and axis.get_scale() == "log" and min(axis.get_view_interval()) > 0:
                out.append(axis)
    return out


def ensure_labels(axis: Axis) -> None:
    """Give a log axis with fewer than `MIN_LABELS` labelled ticks labels at 1 and 3 (or 1, 2,
    5; or every digit) times the powers of ten within its view, plain numbers, minor labels
    off; an axis too short for two of those, evenly spaced labels. Fixed ticks: call after
    the limits are set (the figure is drawn)."""
    if len(labelled_ticks(axis)) >= MIN_LABELS:
        return
    low, high = sorted(axis.get_view_interval())
    axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(PLAIN)
    decades = 10.0 ** np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    for subs in SUBS:
        ticks = _inside(np.outer(decades, subs).ravel(), low, high)
        if len(ticks) >= MIN_LABELS:
            break
    else:
        ticks = _inside(MaxNLocator(nbins=3).tick_values(low, high), low, high)
    axis.set_major_locator(FixedLocator(np.sort(ticks)))


def label_log_axes(fig: Figure) -> Figure:
    """`ensure_labels` on every log axis of `fig`; returns `fig`."""
    for axis in log_axes(fig):
        ensure_labels(axis)
    return fig
