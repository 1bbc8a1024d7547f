"""Point labels stay on their own points, on the PUBLISHED CPU run (docs/results/cpu/logavg.csv,
the real label set and the real point positions, read-only) with the CPU config's figure options.

For every labelled scatter figure: each visible label either has a leader line whose end is its
own point, or its own point is the drawn marker nearest to its text; every label lies inside its
axes; no point is left unlabelled. In Fig. 5 and the D_f / G_f panels, each label's point is
also checked against the table: the (value, test error) of the architecture the label names.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from diffeo_stability.config import validate_config
from diffeo_stability.data.substitution import substitute_datasets
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.figures.style import SKIP_TAG, TRANSFER_TAG
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import full_size, read_table

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "docs" / "results" / "cpu"
#: the figures that label points (architectures)
LABELLED = [
    "fig5_error_vs_rf",
    "appendix_fig5_errorbars",
    "appendix_df_gf_vs_error",
    "appendix_robustness",
    "appendix_fig5_datasets",
]
#: panels whose points are (quantity, test error) at the headline c and delta, per axis index
TABLE_CHECKED = {
    "fig5_error_vs_rf": ["R"],
    "appendix_fig5_errorbars": ["R"],
    "appendix_df_gf_vs_error": ["D", "G"],
}
TOLERANCE = 1.0  # pixels


#: the published CPU run's `data.substitute` (README, Results)
PUBLISHED_SUBSTITUTE = {"cifar10": "cifar10-jpeg"}


def published_options(name: str) -> dict[str, str]:
    """The options the CPU config gives figure `name` in the published run, which read
    cifar10-jpeg in place of cifar10 (its headline is the default one)."""
    config = validate_config(yaml.safe_load((ROOT / "config" / "cpu.yaml").read_text()))
    config["data"]["substitute"] = PUBLISHED_SUBSTITUTE
    assert substitute_datasets(config) == []
    options = {k: str(v) for k, v in config["figures"]["options"].get(name, {}).items()}
    return {**Headline().options(), **options}


def draw_published(name: str, logavg: Path = PUBLISHED / "logavg.csv") -> Figure:
    """Figure `name` of the published run (its `logavg` table replaceable by a marked copy)."""
    inputs = [logavg, PUBLISHED / "training.csv"]
    options = {k: v for k, v in published_options(name).items() if k in FIGURES[name].keys}
    fig = FIGURES[name].draw(inputs, options)
    fig.draw_without_rendering()
    return fig


def data_markers(ax: Axes) -> list[tuple[float, float, float]]:
    """(x, y, radius) in pixels of the drawn data markers: scatter points and line markers
    (errorbar caps are not points)."""
    scale = ax.figure.dpi / 72
    out = []
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and len(coll.get_offsets()):
            sizes = np.resize(coll.get_sizes(), len(coll.get_offsets()))
            points = coll.get_offset_transform().transform(coll.get_offsets())
            out += [(x, y, np.sqrt(s) / 2 * scale) for (x, y), s in zip(points, sizes, strict=True)]
    for line in ax.lines:
        if line.get_marker() in (None, "", "None", " ", "_", "|"):
            continue
        r = line.get_markersize() / 2 * scale
        out += [(x, y, r) for x, y in line.get_transform().transform(line.get_xydata())]
    return [m for m in out if np.isfinite(m[0]) and np.isfinite(m[1])]


def point_labels(ax: Axes) -> list[Annotation]:
    """The annotations of `ax` that label a data point."""
    return [t for t in ax.texts if isinstance(t, Annotation) and t.xycoords == "data"]


def gap(box: Bbox, marker: tuple[float, float, float]) -> float:
    """Pixels from the edge of marker (x, y, r) to the box (negative inside)."""
    x, y, r = marker
    dx = max(box.x0 - x, 0.0, x - box.x1)
    dy = max(box.y0 - y, 0.0, y - box.y1)
    return float(np.hypot(dx, dy)) - r


def has_leader(label: Annotation) -> bool:
    patch = getattr(label, "arrow_patch", None)
    return patch is not None and patch.get_visible()


def label_problems(fig: Figure, own_points: dict[int, dict[str, tuple[float, float]]]) -> list:
    """Every label that may be read as another point's, lies outside its axes, or is missing.
    `own_points`: per axis index, the data position of each labelled architecture."""
    renderer = fig.canvas.get_renderer()
    problems = []
    for k, ax in enumerate(fig.axes):
        labels = point_labels(ax)
        if not labels:
            continue
        markers = data_markers(ax)
        frame = ax.get_window_extent(renderer)
        visible = [t for t in labels if t.get_visible()]
        if len(visible) != len(labels):
            problems.append(f"axis {k}: {len(labels) - len(visible)} label(s) hidden")
        for label in visible:
            name = label.get_text().rstrip(SKIP_TAG + TRANSFER_TAG)
            xy = own_points.get(k, {}).get(name, label.xy)
            own = ax.transData.transform(xy)
            at_own = [
                i
                for i, (x, y, _) in enumerate(markers)
                if np.hypot(x - own[0], y - own[1]) < TOLERANCE
            ]
            if not at_own:
                problems.append(f"axis {k}: no marker drawn at the point of {name}")
                continue
            box = Text.get_window_extent(label, renderer)  # the text, without its leader
            if not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)):
                problems.append(f"axis {k}: label {name} outside its axes")
            if has_leader(label):
                end = ax.transData.transform(label.xy)
                if np.hypot(*(end - own)) > TOLERANCE:
                    problems.append(f"axis {k}: the leader of {name} ends off its point")
                continue
            nearest = int(np.argmin([gap(box, m) for m in markers]))
            if nearest not in at_own:
                x, y, _ = markers[nearest]
                data = ax.transData.inverted().transform((x, y))
                problems.append(
                    f"axis {k}: label {name} nearest to the marker at {data.round(2)}, "
                    f"not its own point {np.round(xy, 2)}"
                )
    return problems


def table_points(name: str) -> dict[int, dict[str, tuple[float, float]]]:
    """Per axis of figure `name`, each architecture's (value, test error) in the published
    table, at the headline c and delta on the comparison data set's largest P (none for a
    figure of several data sets)."""
    if name not in TABLE_CHECKED:
        return {}
    options = published_options(name)
    headline = Headline.from_options(options)
    table = read_table(PUBLISHED / "logavg.csv")
    rows = full_size(
        headline.rows(table, dataset=options["dataset"], state="trained", c=headline.c)
    )
    return {
        k: {row["arch"]: (row[value], row["test_error"]) for _, row in rows.iterrows()}
        for k, value in enumerate(TABLE_CHECKED.get(name, []))
    }


@pytest.mark.parametrize("name", LABELLED)
def test_every_label_sits_on_its_own_point_in_the_published_run(name: str) -> None:
    fig = draw_published(name)
    labels = [t for ax in fig.axes for t in point_labels(ax)]
    assert labels, f"{name} draws no point labels"
    assert label_problems(fig, table_points(name)) == []
    plt.close(fig)


def test_the_check_fails_when_a_label_is_moved_next_to_another_point() -> None:
    fig = draw_published("fig5_error_vs_rf")
    ax = fig.axes[0]
    first, *others = point_labels(ax)
    own = ax.transData.transform(first.xy)
    # the label whose point lies farthest from the first's, so that the moved label is read as it
    second = max(others, key=lambda t: np.hypot(*(ax.transData.transform(t.xy) - own)))
    first.xy = second.xy  # right of the other architecture's point, without a leader
    first.xyann = (4, 2)
    first.set_ha("left")
    first.set_va("bottom")
    first.arrow_patch.set_visible(False)
    fig.draw_without_rendering()
    assert any(
        first.get_text().rstrip(SKIP_TAG) in p
        for p in label_problems(fig, table_points("fig5_error_vs_rf"))
    )
    plt.close(fig)


def test_fig5_pairs_r_f_and_test_error_from_the_same_seeds(tmp_path) -> None:
    """A net whose R_f is defined for 1 of its 2 seeds (its test error averages both) is not
    drawn, and the note says why: the published table with VGG16bn's trained rows marked so."""
    table = read_table(PUBLISHED / "logavg.csv")
    seeds = pd.to_numeric(table["n_seeds"])
    trained = (table["arch"] == "VGG16bn") & (table["state"] == "trained") & (seeds == 2)
    assert trained.any()
    table.loc[trained, "n_undefined"] = 1
    table.to_csv(tmp_path / "logavg.csv", index=False)
    fig = draw_published("fig5_error_vs_rf", tmp_path / "logavg.csv")
    names = {t.get_text() for t in point_labels(fig.axes[0])}
    assert "VGG16bn" not in names and "VGG11bn" in names
    notes = fig._supxlabel.get_text()
    assert "VGG16bn not drawn: R_f defined for 1 of 2 seeds" in notes
    plt.close(fig)
