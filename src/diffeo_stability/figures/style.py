"""Shared figure style: sizes and fonts readable at paper size, one palette, atomic saving."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.text import Annotation, Text  # noqa: E402
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from diffeo_stability.io import atomic_path  # noqa: E402

#: width of a single column / the full text of a NeurIPS page, inches
COLUMN_WIDTH = 3.25
TEXT_WIDTH = 6.75

#: colours per cut-off c (paper: c in {3, 5, 15}; ImageNet {3, 10, 30})
CUTOFF_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
#: colours for G_f, D_f, R_f (Fig. 6)
QUANTITY_COLORS = {"G": "tab:blue", "D": "tab:orange", "R": "tab:green"}
#: one colour per data set in every figure (a synthetic set is a lighter shade of its original)
DATASET_COLORS = {
    "mnist": "#1f77b4",
    "fashionmnist": "#ff7f0e",
    "cifar10": "#2ca02c",
    "cifar10-jpeg": "#17becf",
    "synth-mnist": "#6baed6",
    "synth-fashionmnist": "#fdae6b",
    "synth-cifar10": "#74c476",
    "imagenet": "#9467bd",
}
#: colours of data sets outside `DATASET_COLORS`, chosen by a hash of the name (stable)
FALLBACK_COLORS = ("#d62728", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f", "#393b79")

#: the marker language of every figure: initial nets dashed / open markers, trained full;
#: batch-norm nets diamonds, the others circles; a dagger marks skip connections, a star transfer
STATE_LINESTYLES = {"init": "--", "trained": "-"}
STATE_ALPHA = {"init": 0.3, "trained": 1.0}
BATCHNORM_MARKERS = {True: "D", False: "o"}
SKIP_TAG, TRANSFER_TAG = "†", "*"
#: markers of the interpolations (distinct from the architecture markers)
INTERPOLATION_MARKERS = {"bilinear": "^", "gaussian": "v", "nearest": "x"}

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.bbox": "tight",
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
}


def dataset_color(name: str) -> str:
    """The colour of data set `name`, the same in every figure."""
    if name in DATASET_COLORS:
        return DATASET_COLORS[name]
    return FALLBACK_COLORS[zlib.crc32(name.encode()) % len(FALLBACK_COLORS)]


def arch_tag(skip: bool, transfer: bool) -> str:
    """The suffix of an architecture's label: dagger for skip connections, star for transfer."""
    return (SKIP_TAG if skip else "") + (TRANSFER_TAG if transfer else "")


#: characters a panel title holds on one line before it wraps (a third of a double-column figure)
TITLE_CHARS = 34


def panel_title(*parts: str, max_chars: int = TITLE_CHARS) -> str:
    """`parts` joined by ", ", broken into lines of at most `max_chars` between parts, so that
    the titles of neighbouring panels never run into each other."""
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 2 + len(part) > max_chars:
            lines[-1] += ","
            lines.append(part)
        else:
            lines[-1] += ", " + part
    return "\n".join(lines)


def outside_legend(ax: Axes, **legend_kw) -> Legend:
    """A legend right of `ax`, outside the data area (needs a constrained-layout figure)."""
    legend_kw = {"frameon": False, "fontsize": 6, **legend_kw}
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **legend_kw)


#: where a point label may sit, tried in order: (dx, dy) in points, horizontal, vertical alignment
LABEL_SPOTS = [
    (
        dx * r,
        dy * r,
        "left" if dx > 0 else "right" if dx < 0 else "center",
        "bottom" if dy > 0 else "top",
    )
    for r in (1, 2, 3)
    for dx, dy in ((4, 2), (4, -2), (-4, 2), (-4, -2), (0, 5), (0, -5))
]


def marker_boxes(ax: Axes) -> list[Bbox]:
    """Display-space boxes of the markers drawn on `ax` (scatter points and line markers)."""
    scale = ax.figure.dpi / 72.0
    boxes = []
    for collection in ax.collections:
        offsets = collection.get_offsets() if isinstance(collection, PathCollection) else []
        if not len(offsets):
            continue
        radii = np.sqrt(np.resize(np.asarray(collection.get_sizes(), float), len(offsets))) / 2
        points = collection.get_offset_transform().transform(offsets)
        boxes += [
            Bbox.from_bounds(x - r, y - r, 2 * r, 2 * r)
            for (x, y), r in zip(points, radii * scale, strict=True)
        ]
    for line in ax.lines:
        if line.get_marker() in (None, "", "None", " ") or not len(line.get_xydata()):
            continue
        r = line.get_markersize() / 2 * scale
        points = line.get_transform().transform(line.get_xydata())
        boxes += [
            Bbox.from_bounds(x - r, y - r, 2 * r, 2 * r)
            for x, y in points
            if np.isfinite(x) and np.isfinite(y)
        ]
    return boxes


def _overlap(box: Bbox, others: Iterable[Bbox]) -> float:
    """Total overlap area (pixels^2) of `box` with `others`."""
    total = 0.0
    for other in others:
        w = min(box.x1, other.x1) - max(box.x0, other.x0)
        h = min(box.y1, other.y1) - max(box.y0, other.y0)
        total += max(w, 0.0) * max(h, 0.0)
    return total


def drawn_texts(fig: Figure) -> list[Text]:
    """The fixed texts of `fig` as drawn: suptitle, notes, panel titles, axis labels and the
    tick labels inside each axis' view (matplotlib keeps stale ticks outside it, never drawn)."""
    texts = list(fig.texts) + ([fig._suptitle] if fig._suptitle else [])
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            texts += [tick.label1 for tick in axis._update_ticks()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def spread_labels(fig: Figure) -> int:
    """Move each point label (an annotation offset from a data point) to the first spot of
    `LABEL_SPOTS` where it touches no marker, no fixed text and no label placed before it; a
    label with no such spot is hidden rather than printed over something. Call once the figure
    is drawn. Returns the number of hidden labels."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    fixed = [t.get_window_extent(renderer) for t in drawn_texts(fig)]
    hidden = 0
    for ax in fig.axes:
        labels = [
            t
            for t in ax.texts
            if isinstance(t, Annotation) and t.xycoords == "data" and t.anncoords == "offset points"
        ]
        taken = marker_boxes(ax) + fixed
        for label in labels:
            label.set_in_layout(False)  # placing a label must not move the panels
            label.set_visible(True)
            for dx, dy, ha, va in LABEL_SPOTS:
                label.set_position((dx, dy))
                label.set_ha(ha)
                label.set_va(va)
                box = label.get_window_extent(renderer).expanded(1.05, 1.1)
                if _overlap(box, taken) == 0:
                    taken.append(box)
                    fixed.append(box)
                    break
            else:
                label.set_visible(False)
                hidden += 1
    return hidden


def overlapping_tick_labels(axis: Axis) -> bool:
    """True when two visible tick labels of `axis` (major and minor) overlap on the canvas."""
    renderer = axis.figure.canvas.get_renderer()
    ticks = axis.get_major_ticks() + axis.get_minor_ticks()
    labels = [t.label1 for t in ticks if t.label1.get_visible() and t.label1.get_text()]
    boxes = [label.get_window_extent(renderer) for label in labels]
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def unclutter_ticks(fig: Figure) -> None:
    """Where tick labels of an axis overlap: drop the minor labels of a log axis; if they
    still overlap, keep about 4 major labels (log axes and y), break linear x labels after
    their first '-' and, if that is not enough, turn them upright."""
    fig.draw_without_rendering()
    axes = [a for ax in fig.axes for a in (ax.xaxis, ax.yaxis) if overlapping_tick_labels(a)]
    for axis in axes:
        if axis.get_scale() == "log":
            axis.set_minor_formatter(NullFormatter())
    if axes:
        fig.draw_without_rendering()
    for axis in (a for a in axes if overlapping_tick_labels(a)):
        if axis.get_scale() == "log":
            axis.set_major_locator(LogLocator(numticks=4))
        elif axis.axis_name == "x":
            wrapped = [t.get_text().replace("-", "-\n", 1) for t in axis.get_ticklabels()]
            axis.set_ticks(axis.get_ticklocs(), wrapped)
        else:
            axis.set_major_locator(MaxNLocator(nbins=4))
    if axes:
        fig.draw_without_rendering()
    for axis in (
        a
        for a in axes
        if a.axis_name == "x" and a.get_scale() != "log" and overlapping_tick_labels(a)
    ):
        for label in axis.get_ticklabels():
            label.set_rotation(90)


def apply_style() -> None:
    """Set the shared matplotlib rc parameters."""
    plt.rcParams.update(RC)


def new_figure(
    width: float = TEXT_WIDTH, height: float = 2.5, **subplots_kw
) -> tuple[Figure, object]:
    """A styled figure and its axes (as `plt.subplots`), size in inches."""
    apply_style()
    return plt.subplots(figsize=(width, height), **subplots_kw)


def add_note(fig: Figure, text: str) -> None:
    """Print a note (e.g. 'synthetic data' or which inputs are missing) under the figure; a
    second call replaces the first note."""
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):  # laid out below all
        fig.supxlabel(text, fontsize=6, color="0.3")
        return
    note = next((t for t in fig.texts if t.get_gid() == "note"), None)
    if note is None:
        note = fig.text(0.5, -0.02, "", ha="center", va="top", fontsize=6, color="0.3", wrap=True)
        note.set_gid("note")
    note.set_text(text)


def save_figure(
    fig: Figure, stem: str | Path, formats: Iterable[str] = ("pdf", "png")
) -> list[Path]:
    """Write `stem.<fmt>` for each format, atomically; returns the paths written."""
    written = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt)
        written.append(path)
    plt.close(fig)
    return written
