"""The mechanisms figures of the local nets and of neuron stability, from SYNTHETIC tables."""

from __future__ import annotations

import itertools
from pathlib import Path

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
            displacement_rms_px=1.0,
        )  # fmt: skip
        for state in ("init", "trained")
        for layer, field in (("conv2", 10), ("conv3", 18))
        for kind in KINDS
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "neuron_stability.csv", index=False)
    fig = FIGURES["mechanisms_neuron_stability"].draw([tmp_path / "neuron_stability.csv"], {})
    assert len(_data_axes(fig)) == 4
    assert "conv2 40/100" in _texts(fig)
    empty = FIGURES["mechanisms_neuron_stability"].draw([tmp_path / "absent.csv"], {})
    assert "neuron_stability.csv" in _texts(empty)
