"""Shared figure style: sizes and fonts readable at paper size, one palette, atomic saving."""

from __future__ import annotations

import textwrap
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

#: colours per cut-off c (paper: c in {3, 5, 15}; ImageNet {3, 10, 30}): none of them near a
#: data set's colour (`DATASET_COLORS`), since c and data set colour adjacent panels of Fig. 3
CUTOFF_COLORS = ["#a50f15", "#e7298a", "#a6761d", "#525252"]
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


#: where a point label may sit without a leader line, tried in order: (dx, dy) in points from
#: its point, horizontal and vertical alignment; accepted only where its own point is the marker
#: nearest to it
NEAR_SPOTS = [
    (
        dx * r,
        dy * r,
        "left" if dx > 0 else "right" if dx < 0 else "center",
        "bottom" if dy > 0 else "top" if dy < 0 else "center",
    )
    for r in (1.0, 1.5)
    for dx, dy in ((4, 2), (4, -2), (-4, 2), (-4, -2), (0, 5), (0, -5), (5, 0), (-5, 0))
]
#: where a label joined to its point by a leader line may sit: 24 directions, 6 distances (points)
LEADER_SPOTS = [
    (
        r * np.cos(a),
        r * np.sin(a),
        "left" if np.cos(a) > 0.3 else "right" if np.cos(a) < -0.3 else "center",
        "bottom" if np.sin(a) > 0.3 else "top" if np.sin(a) < -0.3 else "center",
    )
    for r in (14.0, 22.0, 32.0, 44.0, 60.0, 80.0)
    for a in np.linspace(0, 2 * np.pi, 24, endpoint=False) + np.pi / 24
]
#: points between the text of a label with a leader line and any other point's marker
LEADER_CLEARANCE = 4.0
#: how much nearer (in units of LEADER_CLEARANCE) a label without a leader is to its own marker
#: than to any other
NEAREST_MARGIN = 0.5
#: the gid of a point label (`point_label`): the annotations `spread_labels` places
POINT_LABEL = "point-label"


def point_label(ax: Axes, text: str, x: float, y: float, fontsize: float = 5) -> Annotation:
    """A label of the data point (x, y), placed later by `spread_labels`: beside its point, or
    joined to it by a thin leader line (hidden until needed)."""
    label = ax.annotate(
        text,
        (x, y),
        xytext=NEAR_SPOTS[0][:2],
        textcoords="offset points",
        fontsize=fontsize,
        arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.35", "shrinkA": 0.5},
    )
    label.set_gid(POINT_LABEL)
    label.arrow_patch.set_visible(False)
    return label


def marker_points(ax: Axes) -> list[tuple[float, float, float]]:
    """(x, y, radius) in display pixels of every marker drawn on `ax` (scatter points and line
    markers; errorbar caps and line ends without markers are not markers)."""
    scale = ax.figure.dpi / 72.0
    out = []
    for collection in ax.collections:
        offsets = collection.get_offsets() if isinstance(collection, PathCollection) else []
        if not len(offsets):
            continue
        radii = np.sqrt(np.resize(np.asarray(collection.get_sizes(), float), len(offsets))) / 2
        points = collection.get_offset_transform().transform(offsets)
        out += [(x, y, r) for (x, y), r in zip(points, radii * scale, strict=True)]
    for line in ax.lines:
        if line.get_marker() in (None, "", "None", " ") or not len(line.get_xydata()):
            continue
        r = line.get_markersize() / 2 * scale
        points = line.get_transform().transform(line.get_xydata())
        out += [(x, y, r) for x, y in points]
    return [(x, y, r) for x, y, r in out if np.isfinite(x) and np.isfinite(y)]


def marker_boxes(ax: Axes) -> list[Bbox]:
    """Display-space boxes of the markers drawn on `ax` (scatter points and line markers)."""
    return [Bbox.from_bounds(x - r, y - r, 2 * r, 2 * r) for x, y, r in marker_points(ax)]


def box_distance(box: Bbox, x: float, y: float) -> float:
    """Distance in pixels from the point (x, y) to the box (0 inside it)."""
    dx = max(box.x0 - x, 0.0, x - box.x1)
    dy = max(box.y0 - y, 0.0, y - box.y1)
    return float(np.hypot(dx, dy))


def nearest_marker(box: Bbox, markers: Iterable[tuple[float, float, float]]) -> int:
    """Index of the marker of `markers` ((x, y, radius) in pixels) nearest to `box` (edge to
    edge; -1 when there is none)."""
    gaps = [box_distance(box, x, y) - r for x, y, r in markers]
    return int(np.argmin(gaps)) if gaps else -1


def _segment_hits(start, end, markers, skip: int) -> bool:
    """True when the segment from `start` (a label) to `end` (the centre of markers[skip])
    passes through another marker, outside twice the own marker's radius (markers that overlap
    their neighbour's leave the leader no other way out)."""
    p, q = np.asarray(start, float), np.asarray(end, float)
    span = q - p
    length = float(np.hypot(*span)) or 1.0
    t_max = max(0.0, 1.0 - 2.0 * markers[skip][2] / length)
    for k, (x, y, r) in enumerate(markers):
        if k == skip:
            continue
        t = np.clip(((np.array([x, y]) - p) @ span) / length**2, 0.0, t_max)
        if np.hypot(*(p + t * span - (x, y))) < r + 1.0:
            return True
    return False


def _crowding(xy, markers, radius: float) -> int:
    """Number of markers within `radius` pixels of the point `xy`."""
    return sum(np.hypot(x - xy[0], y - xy[1]) < radius for x, y, _ in markers)


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
        texts += [ax.title, ax._left_title, ax._right_title]
        if not ax.axison:  # an axes switched off draws no axis (a legend slot)
            continue
        texts += [ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            texts += [tick.label1 for tick in axis._update_ticks()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _place(label: Annotation, renderer, spot) -> Bbox:
    """Put `label` at `spot` (dx, dy, ha, va) and return the padded display box of its text
    (without its leader line)."""
    dx, dy, ha, va = spot
    label.set_position((dx, dy))
    label.set_ha(ha)
    label.set_va(va)
    label.update_positions(renderer)
    return Text.get_window_extent(label, renderer).expanded(1.05, 1.1)


def _leader_end(box: Bbox, own_xy) -> tuple[float, float]:
    """Where a leader line leaves the text box `box` towards its point `own_xy` (pixels)."""
    return (float(np.clip(own_xy[0], box.x0, box.x1)), float(np.clip(own_xy[1], box.y0, box.y1)))


def _segments_cross(a, b, c, d) -> bool:
    """True when the segments a-b and c-d (pixels) cross at a point inside both."""

    def side(p, q, r) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _crosses_box(start, stop, box: Bbox) -> bool:
    """True when the segment start-stop (pixels) passes through `box` (sampled every pixel)."""
    steps = np.linspace(0.0, 1.0, int(np.hypot(*np.subtract(stop, start))) + 2)
    return any(box.contains(*(np.asarray(start) + t * np.subtract(stop, start))) for t in steps)


def _spot_fits(
    box: Bbox, leader: bool, own: int, own_xy, markers, taken, frame, clear, leaders=()
) -> bool:
    """Whether a label whose text box is `box` may stay there: inside `frame`, on nothing of
    `taken`; without a leader, its own marker (index `own` of `markers`) nearest to it; with
    one, its text at least `clear` pixels from every other marker and its leader crossing
    none; in both cases crossing none of the leader lines already drawn (`leaders`: (start,
    end) in pixels) with its text or its own leader."""
    if not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)):
        return False
    if _overlap(box, taken) > 0 or any(_crosses_box(a, b, box) for a, b in leaders):
        return False
    gaps = [box_distance(box, x, y) - r for x, y, r in markers]
    others = min((g for k, g in enumerate(gaps) if k != own), default=np.inf)
    if not leader:  # its own marker the nearest, by a margin (the box is padded)
        return gaps[own] + NEAREST_MARGIN * clear < others
    if others < clear:
        return False
    end = _leader_end(box, own_xy)
    if _segment_hits(end, own_xy, markers, own):
        return False
    if any(_segments_cross(end, own_xy, start, stop) for start, stop in leaders):
        return False
    # nor through a text or another label (sampled every pixel or so)
    steps = np.linspace(0.0, 1.0, int(np.hypot(*np.subtract(own_xy, end))) + 2)[1:-1]
    path = np.asarray(end) + steps[:, None] * np.subtract(own_xy, end)
    own_box = Bbox.from_bounds(*np.subtract(own_xy, clear / 2), clear, clear)
    return not any(
        other.contains(x, y) and not own_box.contains(x, y) for other in taken for x, y in path
    )


def spread_labels(fig: Figure) -> int:
    """Place every point label (`point_label`) inside its axes where it touches no marker, no
    fixed text, no legend and no label placed before it: first beside its point, at a spot of
    `NEAR_SPOTS` where its own point is the marker nearest to it; else at a spot of
    `LEADER_SPOTS`, joined to its point by a leader line that crosses no other marker (and, where
    a spot allows it, no leader line placed before it, nor its text), its text
    `LEADER_CLEARANCE` away from the other points. A label with neither is hidden rather than
    printed where it could be read as another point's. Call once the figure is drawn. Returns
    the number of hidden labels."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    fixed = [t.get_window_extent(renderer) for t in drawn_texts(fig)]
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
    fixed += [legend.get_window_extent(renderer) for legend in legends if legend]
    clear = LEADER_CLEARANCE * fig.dpi / 72.0
    spots = [(spot, False) for spot in NEAR_SPOTS] + [(spot, True) for spot in LEADER_SPOTS]
    hidden = 0
    for ax in fig.axes:
        labels = [t for t in ax.texts if isinstance(t, Annotation) and t.get_gid() == POINT_LABEL]
        frame = ax.get_window_extent(renderer)
        markers = marker_points(ax)
        taken = marker_boxes(ax) + fixed
        # the labels of crowded points first: they have the fewest free spots
        crowd = 3 * clear
        labels.sort(key=lambda t: -_crowding(ax.transData.transform(t.xy), markers, crowd))
        leaders: list[tuple[tuple[float, float], tuple[float, float]]] = []
        for label in labels:
            label.set_in_layout(False)  # placing a label must not move the panels
            label.set_visible(True)
            own_xy = ax.transData.transform(label.xy)
            own = nearest_marker(Bbox.from_bounds(*own_xy, 0, 0), markers)
            # a spot clear of the other leader lines first; crossing one rather than hidden
            tries = [(spot, leader, drawn) for drawn in (leaders, ()) for spot, leader in spots]
            for spot, leader, avoided in tries:
                box = _place(label, renderer, spot)
                if _spot_fits(box, leader, own, own_xy, markers, taken, frame, clear, avoided):
                    label.arrow_patch.set_visible(leader)
                    if leader:
                        leaders.append((_leader_end(box, own_xy), tuple(own_xy)))
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


#: characters of a 6-point note per inch of figure width
NOTE_CHARS_PER_INCH = 22


def add_note(fig: Figure, text: str) -> None:
    """Print a note (e.g. 'synthetic data' or which inputs are missing) under the figure; a
    second call replaces the first note."""
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):  # laid out below all
        width = int(fig.get_figwidth() * NOTE_CHARS_PER_INCH)  # lines no wider than the figure
        lines = [part for line in text.split("\n") for part in textwrap.wrap(line, width)]
        fig.supxlabel("\n".join(lines), fontsize=6, color="0.3")
        return
    note = next((t for t in fig.texts if t.get_gid() == "note"), None)
    if note is None:
        # below the figure (a tight save takes it in), clear of a legend under the panels
        note = fig.text(0.5, -0.01, "", ha="center", va="top", fontsize=6, color="0.3", wrap=True)
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
