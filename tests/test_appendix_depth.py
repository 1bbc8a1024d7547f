"""The depth appendix draws the authors' per-layer statistic (the mean) first, and says so when
the probes lack it."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from test_figures import _draw, _texts, synthetic_logavg


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes if ax.has_data()]


def test_the_mean_statistic_is_the_first_row(tmp_path: Path) -> None:
    median = synthetic_logavg(("cifar10",), ["ResNet18", "VGG16bn"])
    both = pd.concat([median, median.assign(statistic="mean", R=median["R"] * 2)])
    both.to_csv(tmp_path / "logavg.csv", index=False)
    titles = _titles(_draw("appendix_depth", [tmp_path / "logavg.csv"]))
    assert len(titles) == 4
    assert all("mean over images" in t for t in titles[:2])
    assert all("median over images" in t for t in titles[2:])
    swapped = _titles(
        _draw("appendix_depth", [tmp_path / "logavg.csv"], {"layer_statistic": "median"})
    )
    assert "median over images" in swapped[0]


def test_without_mean_rows_the_note_says_so(tmp_path: Path) -> None:
    synthetic_logavg(("cifar10",), ["ResNet18"]).to_csv(tmp_path / "logavg.csv", index=False)
    fig = _draw("appendix_depth", [tmp_path / "logavg.csv"])
    titles = _titles(fig)
    assert len(titles) == 2 and all("median over images" in t for t in titles)
    assert "mean-statistic rows" in _texts(fig)
