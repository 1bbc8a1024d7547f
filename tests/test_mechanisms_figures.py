"""The mechanisms figures and summary from synthetic tables of every analysis (tiny random
nets)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from mechanisms_helpers import write_tables

from diffeo_stability.cli import main
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.mechanisms.settings import ANALYSES, NET_ANALYSES

#: the figures of the analyses of trained nets (those over training time and of the simple
#: local nets are tested with their own tables)
NAMES = sorted(f"mechanisms_{name}" for name in ANALYSES)


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_tables(tmp_path_factory.mktemp("mechanisms"))


def _texts(fig: Figure) -> str:
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_title()]
    return "\n".join(texts + ([fig._suptitle.get_text()] if fig._suptitle else []))


def test_one_figure_per_analysis() -> None:
    assert len(NAMES) == 6
    assert {FIGURES[name].inputs for name in NAMES} == {(name,) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_a_figure_draws_every_net_and_says_its_data_are_synthetic(name: str, tables) -> None:
    spec = FIGURES[name]
    fig = spec.draw([tables[key] for key in spec.inputs], {"note": "SYNTHETIC data (test)"})
    text = _texts(fig)
    assert "SYNTHETIC data (test)" in text and "Missing" not in text
    drawn = [ax for ax in fig.axes if ax.has_data()]
    if name != "mechanisms_diffeo_parts":
        assert "ResNet18" in text and "VGG11bn" in text
    assert len(drawn) >= 2


@pytest.mark.parametrize("name", NAMES)
def test_a_figure_without_its_table_says_so(name: str, tmp_path: Path) -> None:
    fig = FIGURES[name].draw([tmp_path / "absent.csv"], {})
    assert "Missing (not drawn)" in _texts(fig)


def test_the_operations_figure_selects_the_headline_statistic(tables) -> None:
    spec = FIGURES["mechanisms_operations"]
    median = spec.draw([tables["mechanisms_operations"]], {"statistic": "median"})
    mean = spec.draw([tables["mechanisms_operations"]], {"statistic": "mean"})
    first = [line.get_ydata() for line in median.axes[0].lines if len(line.get_ydata())]
    second = [line.get_ydata() for line in mean.axes[0].lines if len(line.get_ydata())]
    assert first and second and any((a != b).any() for a, b in zip(first, second, strict=False))


def test_the_summary_quotes_every_net_and_analysis(tables, tmp_path: Path) -> None:
    """The synthetic 'trained' nets are the initial ones in evaluation mode: their filters are
    the same (equal shares), their R differs only through batch-norm's statistics."""
    out = tmp_path / "summary.csv"
    inputs = [str(tables[f"mechanisms_{name}"]) for name in NET_ANALYSES]
    assert main(["mechanisms-summary", "--out", str(out), *inputs]) == 0
    summary = pd.read_csv(out)
    assert set(summary["analysis"]) == set(NET_ANALYSES)
    assert set(summary["arch"]) == {"ResNet18", "VGG11bn"}
    filters = summary[summary["analysis"] == "filters"]
    np.testing.assert_allclose(filters["init"], filters["trained"])
    assert ((filters["trained"] > 0) & (filters["trained"] < 1)).all()
    assert summary["trained"].notna().sum() >= len(summary) - 2 * 2  # r of half flips may be NaN
