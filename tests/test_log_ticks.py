"""Every log axis of every registry figure has at least two labelled ticks, on the PUBLISHED CPU
run (docs/results/cpu, read-only) with the options its config gives (as `diffeo-stability
redraw` draws them); the figures computed from no table at small options, Fig. 2 from a small
synthetic data set."""

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
PUBLISHED = ROOT / "docs" / "results" / "cpu"
#: the published run's `data.substitute` (README, Results)
SUBSTITUTE = {"cifar10": "cifar10-jpeg"}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[dict, dict[str, Path]]:
    """The CPU config as published, and the inputs of its figures (a small synthetic data set
    in place of Fig. 2's)."""
    from diffeo_stability.data.images import ImageDataset, save_dataset

    config = read_config(ROOT / "config" / "cpu.yaml", SUBSTITUTE)
    data_dir = tmp_path_factory.mktemp("data")
    x = np.random.default_rng(0).integers(0, 256, size=(2, 1, 28, 28), dtype=np.uint8)
    y = np.arange(2, dtype=np.int64)
    name = illustration_dataset(training_runs(config))
    save_dataset(data_dir / f"{name}.npz", ImageDataset(name, x, y, x, y, ["a", "b"]))
    return config, input_paths(config, PUBLISHED, data_dir)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_log_axis_has_two_labelled_ticks(name, published):
    config, paths = published
    figure = FIGURES[name]
    if not set(figure.inputs) <= set(paths):  # budgets, augmentation options: not in cpu.yaml
        pytest.skip(f"{name}: the published run makes no {set(figure.inputs) - set(paths)}")
    options = figure_option_values(name, Headline.of_config(config), config["figures"])
    options |= TINY.get(figure.module, {})
    fig = figure.draw([paths[key] for key in figure.inputs], options)
    fig.draw_without_rendering()
    short = {
        f"axes {k} {axis.axis_name}: {labelled_ticks(axis)}"
        for k, ax in enumerate(fig.axes)
        for axis in (ax.xaxis, ax.yaxis)
        if axis in log_axes(fig) and len(labelled_ticks(axis)) < MIN_LABELS
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
