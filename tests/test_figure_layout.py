"""Nothing hides data or overprints: every table figure, drawn from SYNTHETIC smoke-like tables
and from the PUBLISHED CPU run (docs/results/cpu, the real labels and point positions, with the
CPU config's figure options), is checked with matplotlib's own layout (window extents on the
final canvas).

Checked: no legend or annotation overlaps another text (titles, axis labels, tick labels, notes,
other annotations) or a plotted marker / bar; no two tick labels of one axis overlap; no title
overlaps any other text (the titles of neighbouring panels included). One data set has the
longest real label (cifar10-jpeg), so long titles are exercised. The check
itself must fail when a legend is forced onto the data.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox
from test_figure_labels import draw_published
from test_figures import TABLE_FIGURES, synthetic_logavg

from diffeo_stability.figures.registry import FIGURES

MIN_OVERLAP = 1.0  # pixels: touching edges are not an overlap


@pytest.fixture(scope="module")
def logavg(tmp_path_factory) -> Path:
    """Smoke-like table: the synthetic data sets, one collapsed run (R undefined)."""
    frame = synthetic_logavg(("synth-mnist", "synth-cifar10", "cifar10-jpeg"))
    frame["dataset"] = frame["dataset"].astype(str)
    collapsed = (frame["arch"] == "LeNet") & (frame["state"] == "trained")
    frame.loc[collapsed & (frame["P"] == "512"), ["R", "D", "G"]] = np.nan
    frame["n_undefined"] = (collapsed & (frame["P"] == "512")).astype(int)
    path = tmp_path_factory.mktemp("smoke") / "logavg.csv"
    frame.to_csv(path, index=False)
    return path


OPTIONS = {
    "fig3_sota_stability": {
        "datasets": "all",
        "sweep_dataset": "cifar10-jpeg",
        "size_datasets": "synth-mnist,synth-cifar10,cifar10-jpeg",
    },
    "fig4_primitive_nets": {"datasets": "all"},
    "fig6_noise_diffeo_vs_P": {"datasets": "all"},
    "appendix_fig6_errorbars": {"datasets": "all"},
}


def _draw(name: str, logavg: Path) -> Figure:
    options = {
        "dataset": "cifar10-jpeg",
        **OPTIONS.get(name, {}),
        "note": "SYNTHETIC data (smoke config): not a result",
    }
    fig = FIGURES[name].draw([logavg], options)
    fig.draw_without_rendering()
    return fig


def _area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > MIN_OVERLAP and h > MIN_OVERLAP else 0.0


def _data_boxes(ax) -> list[Bbox]:
    """Display boxes of the markers (scatter points, line markers) and bars inside `ax`."""
    scale = ax.figure.dpi / 72
    frame = ax.get_window_extent()
    boxes = []
    for line in ax.lines:
        if line.get_marker() in (None, "", "None", " "):
            continue
        r = line.get_markersize() / 2 * scale
        for x, y in line.get_transform().transform(line.get_xydata()):
            boxes.append(Bbox.from_bounds(x - r, y - r, 2 * r, 2 * r))
    for coll in ax.collections:
        if isinstance(coll, PathCollection):
            sizes = np.resize(coll.get_sizes(), len(coll.get_offsets()))
            points = coll.get_offset_transform().transform(coll.get_offsets())
            for (x, y), s in zip(points, sizes, strict=True):
                r = np.sqrt(s) / 2 * scale
                boxes.append(Bbox.from_bounds(x - r, y - r, 2 * r, 2 * r))
    boxes += [p.get_window_extent() for p in ax.patches if isinstance(p, Rectangle)]
    return [b for b in boxes if np.isfinite(b.bounds).all() and _area(b, frame)]


def _drawn_ticks(axis) -> list:
    """The ticks `axis` draws: those inside its view interval (stale ones outside are kept by
    matplotlib, visible but never drawn)."""
    return axis._update_ticks()


def _texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text of the figure, tick labels included."""
    out = list(fig.texts) + ([fig._suptitle] if fig._suptitle else [])
    for ax in fig.axes:
        out += list(ax.texts) + [ax.title, ax._left_title, ax._right_title]
        if not ax.axison:  # an axes switched off draws no axis (a legend slot)
            continue
        out += [ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            out += [t.label1 for t in _drawn_ticks(axis)]
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def _titles(fig: Figure) -> list[Text]:
    """The figure's suptitle and every panel title."""
    out = [fig._suptitle] if fig._suptitle else []
    return out + [t for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title)]


def layout_problems(fig: Figure) -> list[str]:
    """What overlaps in `fig` (empty when nothing does)."""
    renderer = fig.canvas.get_renderer()
    texts = _texts(fig)
    # a point label's own box, without its leader line (checked in test_figure_labels)
    boxes = {id(t): Text.get_window_extent(t, renderer) for t in texts}
    legends = [leg for leg in [*fig.legends, *(ax.get_legend() for ax in fig.axes)] if leg]
    problems = []
    for ax in fig.axes:  # tick labels of one axis
        for axis in (ax.xaxis, ax.yaxis):
            ticks = [
                t.label1
                for t in _drawn_ticks(axis)
                if t.label1.get_visible() and t.label1.get_text().strip()
            ]
            tb = [boxes[id(t)] for t in ticks if id(t) in boxes]
            pairs = [(i, j) for i in range(len(tb)) for j in range(i) if _area(tb[i], tb[j])]
            problems += [
                f"tick labels '{ticks[i].get_text()}', '{ticks[j].get_text()}'" for i, j in pairs
            ]
    titles = [t for t in texts if t in _titles(fig)]
    for title in titles:
        problems += [
            f"title '{title.get_text()}' over text '{t.get_text()}'"
            for t in texts
            if t is not title and _area(boxes[id(title)], boxes[id(t)])
        ]
    overlays: list[tuple[str, Bbox, object]] = [
        (
            f"legend {leg.get_texts()[0].get_text() if leg.get_texts() else ''}",
            leg.get_window_extent(renderer),
            leg,
        )
        for leg in legends
    ]
    overlays += [
        (f"annotation '{t.get_text()}'", boxes[id(t)], t)
        for t in texts
        if isinstance(t, Annotation)
    ]
    for name, box, artist in overlays:
        inside = artist.get_children() if isinstance(artist, Legend) else []
        inside_ids = {id(c) for c in inside} | {
            id(c) for leg in [artist] if isinstance(leg, Legend) for c in leg.get_texts()
        }
        for t in texts:
            if t is not artist and id(t) not in inside_ids and _area(box, boxes[id(t)]):
                problems.append(f"{name} over text '{t.get_text()}'")
        for ax in fig.axes:
            if any(_area(box, marker) for marker in _data_boxes(ax)):
                problems.append(f"{name} over data of '{ax.get_title()}'")
    return problems


@pytest.mark.parametrize("name", TABLE_FIGURES)
def test_nothing_overprints(name: str, logavg: Path) -> None:
    fig = _draw(name, logavg)
    assert layout_problems(fig) == []
    plt.close(fig)


@pytest.mark.parametrize("name", TABLE_FIGURES)
def test_nothing_overprints_in_the_published_run(name: str) -> None:
    fig = draw_published(name)
    assert layout_problems(fig) == []
    plt.close(fig)


def test_check_fails_when_a_legend_is_forced_onto_the_data(logavg: Path) -> None:
    fig = _draw("fig5_error_vs_rf", logavg)
    ax = fig.axes[0]
    x, y = ax.collections[0].get_offsets()[0]
    ax.legend(["forced"], loc="center", bbox_to_anchor=(x, y), bbox_transform=ax.transData)
    fig.draw_without_rendering()
    assert any("over data" in p for p in layout_problems(fig))
    plt.close(fig)


def test_check_fails_when_two_titles_collide(logavg: Path) -> None:
    fig = _draw("fig3_sota_stability", logavg)
    fig.axes[0].set_title("a panel title far too long to stay clear of its neighbour " * 2)
    fig.draw_without_rendering()
    assert any(p.startswith("title ") for p in layout_problems(fig))
    plt.close(fig)


def test_collapsed_runs_are_a_note_not_a_value(logavg: Path) -> None:
    fig = _draw("fig4_primitive_nets", logavg)
    notes = "\n".join(t.get_text() for t in fig.texts)
    assert "3 runs excluded: output changes at float rounding" in notes
    plt.close(fig)
