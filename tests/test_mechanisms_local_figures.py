"""The mechanisms figures of the local nets and of neuron stability, from SYNTHETIC tables."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_figures import _data_axes, _texts

from diffeo_stability.figures.mechanisms_local_sizes import size_rows
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.mechanisms.neuron_settings import KINDS

VARIANTS = ["LocalCNN", "LocalCNN-readout", "LocalLCN", "LocalLCN-readout"]
SIZED = ["LocalCNN-h4", "LocalCNN-h64", "LocalCNN-f3", "LocalCNN-p8", "LocalLCN-readout-p1"]


def _row(dataset: str, arch: str, P: int, R: float) -> dict:
    return dict(
        dataset=dataset, arch=arch, P=str(P), n_train=P, state="trained", interpolation="bilinear",
        c=3.0, point="delta1", is_output=True, statistic="median", noise_norm="per_image", R=R,
    )  # fmt: skip


@pytest.fixture(scope="module")
def logavg(tmp_path_factory) -> Path:
    rows = [
        _row(d, a, P, 1.0 / (1 + k) / P**0.1)
        for d, (k, a), P in itertools.product(
            ("cifar10", "mnist"), enumerate(VARIANTS), (100, 1000)
        )
    ]
    rows += [_row("cifar10", a, 1000, 0.5) for a in SIZED]
    path = tmp_path_factory.mktemp("tables") / "logavg.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_local_nets_against_P_draw_four_variants_per_data_set(logavg):
    fig = FIGURES["mechanisms_local_P"].draw([logavg], {})
    axes = _data_axes(fig)
    assert len(axes) == 2 and all(len(ax.get_lines()) == 4 for ax in axes)
    assert "Missing" not in _texts(fig)


def test_local_nets_sizes_read_the_sizes_from_the_names(logavg):
    rows = pd.read_csv(logavg)
    rows["P"] = rows["P"].astype(str)
    h = size_rows(rows[rows["P"] == "1000"], "LocalCNN", "h")
    assert list(h["value"]) == [4, 16, 16, 64]  # the default LocalCNN on both data sets
    assert list(size_rows(rows, "LocalLCN-readout", "p_s")["value"].unique()) == [1, 4]
    fig = FIGURES["mechanisms_local_sizes"].draw([logavg], {"dataset": "cifar10"})
    assert len(_data_axes(fig)) == 3
    assert "P = 1000" in _texts(fig)


def test_neuron_stability_figure_has_a_row_per_state(tmp_path):
    rows = [
        dict(
            dataset="cifar10",
            arch="VGG11",
            P="1000",
            seed=0,
            state=state,
            layer=layer,
            kind=kind,
            field_px=field,
            neurons=100,
            active_neurons=40,
            alpha=0.1 * field,
            alpha_active=0.2 * field,
            activation_sq=1.0,
            activation_sq_active=2.0,
            displacement_rms_px=1.0 if kind == "translation" else field / 4,
        )  # fmt: skip
        for state in ("init", "trained")
        for layer, field in (("conv2", 10), ("conv3", 18))
        for kind in KINDS
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "neuron_stability.csv", index=False)
    fig = FIGURES["mechanisms_neuron_stability"].draw([tmp_path / "neuron_stability.csv"], {})
    assert len(_data_axes(fig)) == 2 * 3
    assert "conv2 40/100" in _texts(fig)
    assert "Active neuron: activation > 0 on at least 50% of the images" in _texts(fig)
    empty = FIGURES["mechanisms_neuron_stability"].draw([tmp_path / "absent.csv"], {})
    assert "neuron_stability.csv" in _texts(empty)


def test_neuron_stability_compares_the_kinds_per_px2_of_displacement(tmp_path):
    rows = [
        dict(dataset="cifar10", arch="VGG11", P="1000", seed=0, state="trained", layer=layer,
             kind=kind, field_px=field, neurons=10, active_neurons=5, alpha=0.5,
             alpha_active=0.5, activation_sq=2.0, activation_sq_active=2.0,
             displacement_rms_px=1.0 if kind == "translation" else 2.0 + k)
        for k, (layer, field) in enumerate((("conv2", 10), ("conv3", 18)))
        for kind in KINDS
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "neuron_stability.csv", index=False)
    fig = FIGURES["mechanisms_neuron_stability"].draw([tmp_path / "neuron_stability.csv"], {})
    right = [ax for ax in fig.axes if "per px" in ax.get_ylabel()]
    assert len(right) == 1
    curves = {tuple(np.round(line.get_ydata(), 6)) for line in right[0].get_lines()}
    assert (0.25, 0.25) in curves  # translation: 0.5 / 2 / 1^2
    assert (round(0.25 / 4, 6), round(0.25 / 9, 6)) in curves  # the others: / (2 px)^2, (3 px)^2
    ticks = [t.get_text() for t in right[0].get_xticklabels()]
    assert ticks == ["10\n(2.0 px)", "18\n(3.0 px)"]


@pytest.fixture(scope="module")
def with_init(tmp_path_factory) -> Path:
    """Trained and initial rows of the four variants on cifar10 (init R_f 2, trained 1 / (1 + k))
    and of the read-out-only size variants LocalCNN-readout-h4 / -h64 at P = 100."""
    rows = [
        _row("cifar10", a, P, 1.0 / (1 + k))
        for (k, a), P in itertools.product(enumerate(VARIANTS), (100, 1000))
    ]
    sized = [_row("cifar10", a, 100, 0.5) for a in ("LocalCNN-readout-h4", "LocalCNN-readout-h64")]
    rows += sized + [_row("cifar10", "LocalCNN-readout", 100, 0.4)]
    rows += [{**row, "state": "init", "R": 2.0} for row in rows]
    path = tmp_path_factory.mktemp("with_init") / "logavg.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _legend_labels(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_local_nets_against_P_draw_the_initial_nets_and_only_the_series_drawn(with_init):
    fig = FIGURES["mechanisms_local_P"].draw([with_init], {"datasets": "cifar10"})
    (ax,) = _data_axes(fig)
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 4 and all(np.allclose(line.get_ydata(), 2.0) for line in dotted)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["100", "1000"]
    assert "initial net (both trainings)" in _legend_labels(fig)
    assert "Missing" not in _texts(fig)


def test_local_nets_sizes_list_only_the_variants_drawn_and_no_unplanned_one(with_init):
    fig = FIGURES["mechanisms_local_sizes"].draw([with_init], {"dataset": "cifar10", "P": "100"})
    labels = _legend_labels(fig)
    assert "convolution" in labels and "read-out only" in labels
    assert "locally connected" not in labels and "whole net trained" not in labels
    assert "Missing" not in _texts(fig)
    (h,) = _data_axes(fig)
    assert [t.get_text() for t in h.get_xticklabels()] == ["4", "16", "64"]
    dotted = [line for line in h.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and np.allclose(dotted[0].get_ydata(), 2.0)
