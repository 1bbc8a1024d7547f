"""The mechanisms figures and summary from synthetic tables of every analysis (tiny random
nets)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from mechanisms_helpers import TINY_NETS, write_tables

from diffeo_stability.cli import main
from diffeo_stability.figures.net_panels import run_banner
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.mechanisms.settings import ANALYSES, NET_ANALYSES
from diffeo_stability.tables.mechanisms import low_frequency_share

#: the figures of the analyses of trained nets (those over training time and of the simple
#: local nets are tested with their own tables)
NAMES = sorted(f"mechanisms_{name}" for name in ANALYSES)


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The synthetic tables and a training table of their two runs (widths as `TINY_NETS`)."""
    paths = write_tables(tmp_path_factory.mktemp("mechanisms"))
    paths["training"] = paths["mechanisms_operations"].parent / "training.csv"
    pd.DataFrame(
        dict(dataset="synth", arch=[arch for arch, _ in TINY_NETS], P=64, seed=0, epochs=3,
             width_factor=[kwargs["width_factor"] for _, kwargs in TINY_NETS])
    ).to_csv(paths["training"], index=False)  # fmt: skip
    return paths


def _texts(fig: Figure) -> str:
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_title()]
    return "\n".join(texts + ([fig._suptitle.get_text()] if fig._suptitle else []))


def test_one_figure_per_analysis() -> None:
    """Each figure reads its table; those of trained nets read training.csv for the banner,
    the parts of a diffeo (no net, no data set) take no note."""
    assert len(NAMES) == 6
    expected = {
        name: (name,) if name == "mechanisms_diffeo_parts" else (name, "training") for name in NAMES
    }
    assert {name: FIGURES[name].inputs for name in NAMES} == expected
    assert "note" not in FIGURES["mechanisms_diffeo_parts"].keys
    assert all("note" in FIGURES[name].keys for name in NAMES if name != "mechanisms_diffeo_parts")


@pytest.mark.parametrize("name", NAMES)
def test_a_figure_draws_every_net_and_says_its_data_are_synthetic(name: str, tables) -> None:
    spec = FIGURES[name]
    fig = spec.draw([tables[key] for key in spec.inputs], {"note": "SYNTHETIC data (test)"})
    text = _texts(fig)
    assert "Missing" not in text
    drawn = [ax for ax in fig.axes if ax.has_data()]
    if name != "mechanisms_diffeo_parts":
        assert "SYNTHETIC data (test)" in text
        assert "ResNet18" in text and "VGG11bn" in text
        banner = "Runs drawn: synth; P = 64; 3 epochs; width factor 1/16 (ResNet18), 1/8 (VGG11bn)"
        assert f"{banner}; seed 0" in text
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


def test_the_banner_names_epochs_per_P_widths_per_net_and_the_seeds() -> None:
    runs = pd.DataFrame(
        dict(dataset="mnist", arch=["A", "B", "A", "B"], P=[500, 500, 5000, 5000], seed=0)
    )
    training = pd.DataFrame(
        dict(dataset="mnist", arch=["A", "B", "A", "B", "A"], P=[500, 500, 5000, 5000, 9],
             seed=[0, 0, 0, 0, 0], epochs=[80, 80, 16, 16, 1], width_factor=[0.25, 1, 0.25, 1, 3])
    )  # fmt: skip
    assert run_banner(runs, training) == (
        "Runs drawn: mnist; P = 500 (80 epochs), 5000 (16 epochs); "
        "width factor 1/4 (A), 1 (B); seed 0"
    )
    without_seed = runs.drop(columns="seed")  # logavg rows: the seeds come from training.csv
    assert run_banner(without_seed, training.assign(seed=[0, 1, 0, 1, 5])).endswith("seeds 0, 1")
    assert run_banner(runs, None) == "Runs drawn: mnist; P = 500, 5000; seed 0"


def test_operations_draw_D_and_G_under_R_and_name_the_operations(tables) -> None:
    spec = FIGURES["mechanisms_operations"]
    fig = spec.draw([tables[key] for key in spec.inputs], {})
    table = pd.read_csv(tables["mechanisms_operations"])
    rows = table[(table["statistic"] == "median") & (table["noise_norm"] == "per_image")]
    net = rows[(rows["arch"] == "VGG11bn") & (rows["state"] == "trained")].sort_values("layer")
    lower = [ax for ax in fig.axes if ax.get_ylabel() == "$D_f$, $G_f$"]
    assert len(lower) == 2  # one per net
    drawn = [line.get_ydata() for ax in lower for line in ax.get_lines()]
    for value in ("D", "G"):
        assert any(np.allclose(y, net[value]) for y in drawn if len(y) == len(net))
    names = {t.get_text() for ax in lower for t in ax.get_xticklabels()}
    assert set(net["layer_name"]) <= names
    inputs = rows[rows["layer"] == 0].drop_duplicates("state").set_index("state")["R"]
    assert f"R_f = {inputs['init']:.3g} for the initial nets" in _texts(fig)


def test_the_low_frequency_share_counts_the_power_at_or_below_an_eighth() -> None:
    spectrum = pd.DataFrame(
        dict(dataset="d", arch="A", P=1, seed=0, state="trained", order="o", layer=1,
             layer_name="b", side=8, frequency=[0.0, 0.125, 0.25], power=[0.5, 0.2, 0.3])
    )  # fmt: skip
    assert low_frequency_share(spectrum)["share"].tolist() == pytest.approx([0.7])


def test_the_spectra_figure_draws_the_share_per_block(tables) -> None:
    spec = FIGURES["mechanisms_spectra"]
    fig = spec.draw([tables[key] for key in spec.inputs], {})
    shares = low_frequency_share(pd.read_csv(tables["mechanisms_spectra"]))
    panels = [ax for ax in fig.axes if "share at" in ax.get_title()]
    assert len(panels) == 2
    drawn = [line.get_ydata() for ax in panels for line in ax.get_lines()]
    one = shares[(shares["arch"] == "ResNet18") & (shares["state"] == "init")]
    one = one[one["order"] == "average_then_normalise"].sort_values("layer")
    assert any(len(y) == len(one) and np.allclose(y, one["share"]) for y in drawn)
    assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)
