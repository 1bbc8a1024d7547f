"""Every log axis of every registry figure has at least two labelled ticks, on the PUBLISHED CPU
runs (docs/results/cpu; docs/results/cpu-long for the figures of the training budgets and
docs/results/cpu-aug for those of the augmentation options; read-only) with the options their
configs give (as `diffeo-stability redraw` draws them); the figures computed from no table at
small options, Fig. 2 from a small synthetic data set."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from test_diffeo_figures import TINY

from diffeo_stability.commands.redraw import input_paths, read_config
from diffeo_stability.figures.log_ticks import MIN_LABELS, label_log_axes, labelled_ticks, log_axes
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.workflow import (
    Headline,
    figure_option_values,
    illustration_dataset,
    training_runs,
)

ROOT = Path(__file__).resolve().parents[1]
#: the published runs (config and tables share the name), in the order they are tried
PUBLISHED = ("cpu", "cpu-long", "cpu-aug")
#: the published runs' `data.substitute` (README, Results)
SUBSTITUTE = {"cifar10": "cifar10-jpeg"}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> list[tuple[dict, dict[str, Path]]]:
    """Each published config, and the inputs of its figures (a small synthetic data set in
    place of Fig. 2's)."""
    from diffeo_stability.data.images import ImageDataset, save_dataset

    runs = []
    for name in PUBLISHED:
        config = read_config(ROOT / "config" / f"{name}.yaml", SUBSTITUTE)
        data_dir = tmp_path_factory.mktemp("data")
        x = np.random.default_rng(0).integers(0, 256, size=(2, 1, 28, 28), dtype=np.uint8)
        y = np.arange(2, dtype=np.int64)
        dataset = illustration_dataset(training_runs(config))
        save_dataset(data_dir / f"{dataset}.npz", ImageDataset(dataset, x, y, x, y, ["a", "b"]))
        runs.append((config, input_paths(config, ROOT / "docs" / "results" / name, data_dir)))
    return runs


def read_on_a_sibling(axis) -> bool:
    """`axis` hides its tick labels because it shares them with another panel (the inner rows
    of `subplots(sharex=True)`): it is read on that panel's axis, which is checked instead."""
    ax = axis.axes
    group = ax.get_shared_x_axes() if axis is ax.xaxis else ax.get_shared_y_axes()
    hidden = not any(
        t.label1.get_visible() or t.label2.get_visible() for t in axis.get_major_ticks()
    )
    return hidden and len(group.get_siblings(ax)) > 1


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_log_axis_has_two_labelled_ticks(name, published):
    figure = FIGURES[name]
    drawn = [(c, paths) for c, paths in published if set(figure.inputs) <= set(paths)]
    if not drawn:
        pytest.skip(f"{name}: no published run makes {set(figure.inputs)}")
    config, paths = drawn[0]
    options = figure_option_values(name, Headline.of_config(config), config["figures"])
    options |= TINY.get(figure.module, {})
    fig = figure.draw([paths[key] for key in figure.inputs], options)
    fig.draw_without_rendering()
    short = {
        f"axes {k} {axis.axis_name}: {labelled_ticks(axis)}"
        for k, ax in enumerate(fig.axes)
        for axis in (ax.xaxis, ax.yaxis)
        if axis in log_axes(fig)
        and not read_on_a_sibling(axis)
        and len(labelled_ticks(axis)) < MIN_LABELS
    }
    plt.close(fig)
    assert not short, f"{name}: log axes with fewer than {MIN_LABELS} labelled ticks: {short}"


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ((0.15, 0.9), ["0.2", "0.5"]),
        ((2.0, 3.5), ["2", "3"]),
        ((0.15, 0.25), None),
        ((0.011, 0.0125), None),
    ],
)
def test_a_short_log_axis_gets_two_labels(limits, expected):
    """Spans of less than a decade hold one power of ten or none: without the fix they have
    fewer than two labels; with it, labels at 1, 2, 5 (or every digit, or evenly spaced)."""
    fig, ax = plt.subplots()
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(plt.NullFormatter())  # as style.unclutter_ticks leaves it
    ax.set_ylim(*limits)
    assert len(labelled_ticks(ax.yaxis)) < MIN_LABELS
    label_log_axes(fig)
    labels = labelled_ticks(ax.yaxis)
    plt.close(fig)
    assert len(labels) >= MIN_LABELS
    if expected:
        assert labels == expected


def test_only_an_inner_shared_axis_is_read_on_its_sibling():
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True)
    top.set_xscale("log")
    top.plot([1, 30], [1, 2])
    fig.draw_without_rendering()
    assert read_on_a_sibling(top.xaxis) and not read_on_a_sibling(bottom.xaxis)
    alone, ax = plt.subplots()
    ax.tick_params(labelbottom=False)  # hidden, but no other panel shows its labels
    assert not read_on_a_sibling(ax.xaxis)
    plt.close(fig)
    plt.close(alone)
