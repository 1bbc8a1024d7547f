"""The figures of the augmentation experiment on the hand-made tables of augmentation_tables.py:
what each draws, and what it says when its rows are absent."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from augmentation_tables import augmentation_logavg, augmentation_training_table

from diffeo_stability.figures.arm_panels import arm_rows
from diffeo_stability.figures.augmentation_adversarial import adversarial_rows
from diffeo_stability.figures.log_ticks import MIN_LABELS, labelled_ticks, log_axes
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.tables.fits import log_correlation

NAMES = ["augmentation_standard", "augmentation_diffeo", "augmentation_adversarial"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("augmentation")
    augmentation_logavg().to_csv(folder / "logavg.csv", index=False)
    augmentation_training_table().to_csv(folder / "training.csv", index=False)
    return [folder / "logavg.csv", folder / "training.csv"]


def _texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(plt.Text))


def test_rows_of_each_option_and_net() -> None:
    rows = arm_rows(augmentation_logavg(), {})
    assert set(rows["augmentation"]) == {"none", "crop_flip", "diffeo", "crop_flip+diffeo"}
    resnet = rows[(rows["arch"] == "ResNet18") & (rows["augmentation"] == "diffeo")]
    assert len(resnet) == 3  # one geometric mean per P
    assert arm_rows(augmentation_logavg().drop(columns="augmentation"), {}).empty


def test_adversarial_rows_are_the_ten_nets_under_crop_flip() -> None:
    rows = adversarial_rows(augmentation_logavg(), {})
    assert len(rows) == 10 and set(rows["augmentation"]) == {"crop_flip"}
    assert set(rows["n_train"]) == {50000}
    r = log_correlation(rows["R_adv"].to_numpy(float), rows["test_error"].to_numpy(float))
    assert r == pytest.approx(1.0)


@pytest.mark.parametrize("name", NAMES)
def test_figure_draws_every_net_with_its_banner(name, inputs) -> None:
    fig = FIGURES[name].draw(inputs, {})
    texts = _texts(fig)
    assert "Missing" not in texts
    assert "Data drawn: P = " in texts and "3 seeds per point" in texts
    lines = [line for ax in fig.axes for line in ax.lines if len(line.get_xdata())]
    assert lines
    fig.draw_without_rendering()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            assert axis not in log_axes(fig) or len(labelled_ticks(axis)) >= MIN_LABELS
    if name == "augmentation_adversarial":
        assert "corr(log eps_t" in texts
        assert all(label in texts for label in ("ResNet18", "VGG16bn", "EfficientNetB0"))
    plt.close(fig)


def test_the_standard_figure_draws_none_and_crop_flip_only(inputs) -> None:
    fig = FIGURES["augmentation_standard"].draw(inputs, {})
    colors = {line.get_color() for ax in fig.axes for line in ax.lines}
    assert len(fig.axes) == 3 * 2  # R, D, G x 2 nets
    assert {"#7f7f7f", "#1b9e77"} <= colors and "#d95f02" not in colors
    # the R_f curve of ResNet18 under crop_flip: the geometric means over seeds
    ax = fig.axes[0]
    curves = [l for l in ax.lines if l.get_color() == "#1b9e77" and l.get_marker() == "o"]
    ys = sorted(float(y) for line in curves for y in line.get_ydata())
    expected = sorted(0.1 * (50000 / P) ** 0.25 for P in (1600, 5000, 50000))
    assert np.allclose(ys, expected)
    plt.close(fig)


@pytest.mark.parametrize("name", NAMES)
def test_figure_without_its_rows_says_so(name, tmp_path) -> None:
    augmentation_logavg().drop(columns=["augmentation", "R_adv"]).to_csv(
        tmp_path / "logavg.csv", index=False
    )
    fig = FIGURES[name].draw([tmp_path / "logavg.csv"], {})
    assert "Missing (not drawn)" in _texts(fig)
    plt.close(fig)
