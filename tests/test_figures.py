"""Figures drawn from SYNTHETIC tables written in the exact `results/tables/logavg.csv` contract.

The numbers below are made up to have known answers (e.g. test error = 0.2 sqrt(R_f) exactly);
they are not results.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from augmentation_tables import augmentation_logavg
from budget_tables import budget_seed_table
from matplotlib.figure import Figure
from test_diffeo_figures import TINY
from workflow_helpers import ROOT

from diffeo_stability import figures as figures_package
from diffeo_stability.errors import ConfigError
from diffeo_stability.figures.fig5_error_vs_rf import comparison_rows, error_scatter
from diffeo_stability.figures.registry import FIGURES, INPUTS
from diffeo_stability.figures.style import new_figure
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import full_size, load_input, select

#: figures drawn from logavg.csv (and training.csv for their banner)
TABLE_FIGURES = sorted(name for name, spec in FIGURES.items() if "logavg" in spec.inputs)
#: expected number of visible (data) axes per figure on the full synthetic grid
EXPECTED_AXES = {
    "fig3_sota_stability": 6,
    "fig4_primitive_nets": 4,
    "fig5_error_vs_rf": 1,
    "fig6_noise_diffeo_vs_P": 6,
    "appendix_depth": 2,
    "appendix_df_gf_vs_error": 2,
    "appendix_fig5_errorbars": 1,
    "appendix_fig5_datasets": 2,
    "appendix_fig5_vs_P": 3,
    "appendix_fig6_errorbars": 6,
    "appendix_robustness": 5,
}
ARCHS = [
    "ResNet18",
    "EfficientNetB0",
    "FullConnL4",
    "LeNet",
    "VGG16bn",
    "AlexNet",
    "EfficientNetB0-transfer",
]
SIZES = {"512": 512, "4096": 4096, "full": 50000}
TRAINED_R = {
    "ResNet18": 0.03,
    "EfficientNetB0": 0.1,
    "FullConnL4": 3.0,
    "LeNet": 0.6,
    "VGG16bn": 0.02,
    "AlexNet": 0.3,
    "EfficientNetB0-transfer": 0.006,
}


def synthetic_logavg(datasets=("mnist", "fashionmnist", "cifar10"), archs=ARCHS) -> pd.DataFrame:
    """Synthetic logavg rows: trained R_f(P=full) from TRAINED_R, error = 0.2 sqrt(R_f)."""
    rows = []
    base = dict(cutoff_rule="code", statistic="median", noise_norm="per_image", n_seeds=3)
    for dataset, arch, (P, n), state, c in itertools.product(
        datasets, archs, SIZES.items(), ("init", "trained"), (3.0, 5.0, 15.0)
    ):
        scale = (50000 / n) ** 0.5
        R_out = 1.0 if state == "init" else min(TRAINED_R[arch] * scale, 5.0) * (c / 3) ** 0.1
        G = 1.0 if state == "init" else (0.1 / TRAINED_R[arch]) ** 0.5 / scale
        err = 0.9 if state == "init" else 0.2 * np.sqrt(R_out)
        common = dict(
            base,
            dataset=dataset,
            arch=arch,
            P=P,
            n_train=n,
            state=state,
            c=c,
            G_logstd=0.1,
            D_logstd=0.1,
            R_logstd=0.2,
            test_error=err,
            test_error_logstd=0.05,
        )
        for layer in range(4):
            R = R_out ** (layer / 3)
            rows.append(
                dict(
                    common,
                    interpolation="bilinear",
                    T=1e-3,
                    delta=1.0,
                    point="delta1",
                    layer=layer,
                    layer_name=f"l{layer}",
                    is_output=layer == 3,
                    R=R,
                    G=G,
                    D=R * G,
                )
            )
        if P == "full":
            deltas = np.geomspace(0.2, 4, 6)
            for interp, delta in itertools.product(("bilinear", "gaussian"), deltas):
                R = R_out * (1 + (0.3 if interp == "gaussian" else 0.0) / delta)
                rows.append(
                    dict(
                        common,
                        interpolation=interp,
                        T=1e-3 * delta**2,
                        delta=delta,
                        point="sweep",
                        layer=3,
                        layer_name="l3",
                        is_output=True,
                        R=R,
                        G=G,
                        D=R * G,
                    )
                )
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> Path:
    """A directory with a full synthetic logavg.csv."""
    folder = tmp_path_factory.mktemp("tables")
    synthetic_logavg().to_csv(folder / "logavg.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def partial_tables(tmp_path_factory) -> Path:
    """logavg.csv without CIFAR10 and without EfficientNetB0 (part of every grid missing)."""
    folder = tmp_path_factory.mktemp("partial")
    archs = [a for a in ARCHS if a != "EfficientNetB0"]
    synthetic_logavg(("mnist", "fashionmnist"), archs).to_csv(folder / "logavg.csv", index=False)
    return folder


def _draw(name: str, inputs: list[Path], options: dict[str, str] | None = None) -> Figure:
    return FIGURES[name].draw(inputs, options or {})


def _texts(fig: Figure) -> str:
    texts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        texts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_title()]
    return "\n".join(texts)


def _data_axes(fig: Figure) -> list:
    """Axes that show data (not colour bars, not switched off)."""
    return [ax for ax in fig.axes if ax.axison and ax.get_label() != "<colorbar>" and ax.has_data()]


@pytest.mark.parametrize("name", sorted(EXPECTED_AXES))
def test_full_grid_draws_every_panel_without_missing_note(name: str, tables: Path) -> None:
    options = {"note": "synthetic data (test)"}
    if name == "appendix_depth":  # the synthetic grid has the median statistic only
        options["layer_statistic"] = "median"
    fig = _draw(name, [tables / "logavg.csv"], options)
    assert isinstance(fig, Figure)
    assert len(_data_axes(fig)) == EXPECTED_AXES[name]
    text = _texts(fig)
    assert "synthetic data (test)" in text
    assert "Missing" not in text


@pytest.mark.parametrize("name", sorted(EXPECTED_AXES))
def test_partial_grid_states_what_is_missing(name: str, partial_tables: Path) -> None:
    options = {"dataset": "mnist"} if name != "fig6_noise_diffeo_vs_P" else {}
    if name in ("fig5_error_vs_rf", "appendix_df_gf_vs_error", "appendix_fig5_errorbars"):
        options["archs"] = "ResNet18,EfficientNetB0,LeNet,VGG16bn"
    if name == "appendix_robustness":
        options["deltas"] = "0.5,50"  # no sweep row anywhere near delta = 50
    if name == "appendix_depth":
        options["archs"] = "ResNet18,EfficientNetB0"
    if name in ("appendix_fig5_datasets", "appendix_fig5_vs_P"):  # a net never trained on mnist
        options = {"datasets": "mnist", "archs": "ResNet18,EfficientNetB0,LeNet,VGG16bn"}
    fig = _draw(name, [partial_tables / "logavg.csv"], options)
    assert isinstance(fig, Figure)
    assert "Missing (not drawn)" in _texts(fig)


@pytest.mark.parametrize("name", sorted(EXPECTED_AXES))
def test_no_table_at_all_still_draws(name: str, tmp_path: Path) -> None:
    fig = _draw(name, [tmp_path / "logavg.csv"])
    assert "logavg.csv" in _texts(fig)


def test_fig3_missing_note_names_the_absent_parts(partial_tables: Path) -> None:
    text = _texts(_draw("fig3_sota_stability", [partial_tables / "logavg.csv"]))
    assert "EfficientNetB0 on CIFAR10" in text
    assert "delta sweep of ResNet18 on CIFAR10" in text
    assert "ResNet18 on MNIST" not in text


def test_fig5_fit_recovers_known_power_law(tables: Path) -> None:
    logavg = load_input([tables / "logavg.csv"], "logavg.csv")
    rows = comparison_rows(logavg, {})
    assert sorted(rows["arch"]) == sorted(ARCHS)
    assert np.allclose(rows["R"], [TRAINED_R[a] for a in rows["arch"]])
    _, ax = new_figure()
    summary = error_scatter(ax, rows, "R")
    free_fit = ax.get_legend_handles_labels()[1][0]  # the fit line's label: its equation
    assert "x^{0.50}" in free_fit.replace("R_f", "x")  # exponent 1/2 recovered
    assert "0.2" in free_fit and "= 1.00" in summary  # prefactor 0.2, correlation 1


def test_fig5_options_select_c_and_statistic(tables: Path) -> None:
    logavg = load_input([tables / "logavg.csv"], "logavg.csv")
    assert comparison_rows(logavg, {"c": "5"})["c"].eq(5.0).all()
    assert comparison_rows(logavg, {"statistic": "mean"}).empty  # only medians in the table
    assert Headline.from_options({"noise_norm": "per_image"}).noise_norm == "per_image"


def test_csv_round_trip_keeps_P_as_string(tmp_path: Path) -> None:
    frame = synthetic_logavg(("mnist",), ["LeNet"])
    frame = frame[frame["P"] == "512"]
    frame.to_csv(tmp_path / "logavg.csv", index=False)
    loaded = load_input([tmp_path / "logavg.csv"], "logavg.csv")
    assert loaded["P"].eq("512").all()
    assert loaded["is_output"].dtype == bool
    assert len(select(loaded, P="512", is_output=True, point="delta1")) == 6


def test_fig2_shows_real_image_and_matched_noise_norm(tmp_path: Path) -> None:
    from diffeo_stability.data.images import ImageDataset, save_dataset
    from diffeo_stability.figures.fig2_illustration import perturbed_images

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(4, 1, 28, 28), dtype=np.uint8)
    y = np.arange(4, dtype=np.int64) % 2
    save_dataset(tmp_path / "synth-test.npz", ImageDataset("synth-test", x, y, x, y, ["a", "b"]))
    images = perturbed_images(x[1], 3.0, 1.0, "bilinear", 0)
    change = np.linalg.norm(images["tau"] - images["x"])
    assert change > 0
    assert np.isclose(np.linalg.norm(images["eta"] - images["x"]), change, rtol=1e-4)
    fig = _draw("fig2_illustration", [tmp_path / "synth-test.npz"], {"index": "1"})
    assert len(fig.axes) == 4 and len(fig.axes[1].images) == 1
    assert "Missing" not in _texts(fig)
    assert "Test image 1 of synth-test (synth-test.npz)" in _texts(fig)
    fig = _draw("fig2_illustration", [])
    assert "Missing (not drawn): dataset .npz" in _texts(fig)


def test_figures_of_no_trained_net_state_what_they_show_not_the_runs_note(figure_inputs):
    """Figs. 2 and 7 read no note (the config's note speaks of the runs' data sets): the
    workflow gives them none and their banner says what they show."""
    from diffeo_stability.workflow import figure_option_values

    figures = {"note": "cifar10-jpeg used in place of cifar10", "options": {}}
    for name in ("fig2_illustration", "fig7_stripe_model"):
        assert "note" not in FIGURES[name].keys
        assert "note" not in figure_option_values(name, Headline(), figures)
    assert "note" in figure_option_values("fig5_error_vs_rf", Headline(), figures)
    fig = _draw("fig7_stripe_model", [figure_inputs["stripe"]], {})
    assert "Stripe model (synthetic Gaussian data, no image set): d = 5, P = 32-128, 2 seeds" in (
        _texts(fig)
    )


def test_the_scale_banner_states_the_width_of_the_runs_drawn() -> None:
    from diffeo_stability.figures.panels import scale_banner

    drawn = pd.DataFrame(
        {"dataset": "cifar10", "arch": ["ResNet18", "VGG11", "LeNet"], "P": 500, "n_train": 500}
    )
    training = drawn.assign(epochs=80, width_factor=[0.125, 0.25, 1.0])
    banner = scale_banner(drawn, training)
    assert "80 epochs, width 1/8, 1/4, 1 of the published nets" in banner
    assert "width" not in scale_banner(drawn.iloc[2:], training)  # published width only


def test_every_figure_module_is_registered_with_its_caption() -> None:
    package = Path(figures_package.__file__).parent
    modules = {
        path.stem
        for path in package.glob("*.py")
        if path.stem.startswith(("fig", "appendix_", "mechanisms_", "long_", "augmentation_"))
    }
    assert {spec.module for spec in FIGURES.values()} == modules
    captions = {path.name for path in (ROOT / "workflow" / "report").glob("*.rst")}
    assert {spec.caption for spec in FIGURES.values()} == captions - {"claims.rst"}
    assert len({spec.stem for spec in FIGURES.values()}) == len(FIGURES)
    assert sorted(EXPECTED_AXES) == TABLE_FIGURES  # every table figure is drawn below
    for name, spec in FIGURES.items():
        assert spec.name == name
        assert callable(importlib.import_module(f"diffeo_stability.figures.{spec.module}").draw)
        assert set(spec.inputs) <= set(INPUTS), name


def test_registry_imports_without_torch_or_matplotlib() -> None:
    code = (
        "import sys, diffeo_stability.figures.registry; "
        "assert not {'torch', 'matplotlib'} & set(sys.modules), 'torch or matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class RecordingOptions(Mapping[str, str]):
    """Figure options that record every key a figure looks up (get, [], in)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.read = values, set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self.values[key]

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return key in self.values

    def get(self, key: str, default=None):
        self.read.add(key)
        return self.values.get(key, default)

    def __iter__(self):
        raise AssertionError("a figure looks its options up by key; it does not copy them")

    def __len__(self) -> int:
        return len(self.values)


@pytest.fixture(scope="module")
def figure_inputs(tables: Path, tmp_path_factory) -> dict[str, Path]:
    """One synthetic file per registry input: logavg.csv, a stripe table, a data set .npz."""
    from diffeo_stability.data.images import ImageDataset, save_dataset

    folder = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    stripe = pd.DataFrame(
        [
            {"d": 5, "P": P, "seed": s, "R": 3 / P * (1 + 0.1 * s)}
            for P in (32, 64, 128)
            for s in (0, 1)
        ]
    )
    stripe.to_csv(folder / "stripe.csv", index=False)
    x = rng.integers(0, 256, size=(2, 1, 28, 28), dtype=np.uint8)
    y = np.arange(2, dtype=np.int64)
    save_dataset(folder / "images.npz", ImageDataset("synth-test", x, y, x, y, ["a", "b"]))
    training = synthetic_logavg()[["dataset", "arch", "P", "n_train"]].drop_duplicates()
    training.assign(seed=0, epochs=100).to_csv(folder / "training.csv", index=False)
    synthetic_training_time().to_csv(folder / "training_time.csv", index=False)
    synthetic_filter_spectrum().to_csv(folder / "filter_spectrum.csv", index=False)
    budget_seed_table().to_csv(folder / "seeds.csv", index=False)
    (folder / "augmentation").mkdir()  # a logavg.csv with augmentation options
    augmentation_logavg().to_csv(folder / "augmentation" / "logavg.csv", index=False)
    return {
        "logavg": tables / "logavg.csv",
        "training": folder / "training.csv",
        "stripe": folder / "stripe.csv",
        "illustration": folder / "images.npz",
        "local_nets": tables / "logavg.csv",
        "neuron_stability": folder / "neuron_stability.csv",  # absent: drawn as missing
        "training_time": folder / "training_time.csv",
        "filter_spectrum": folder / "filter_spectrum.csv",
        "budgets": folder / "seeds.csv",
        "augmentations": folder / "augmentation" / "logavg.csv",
        "adversarial": folder / "augmentation" / "logavg.csv",
        # drawn with data in test_mechanisms_figures.py; absent here (the same option reads)
        **{name: folder / "absent.csv" for name in INPUTS if name.startswith("mechanisms_")},
    }


def synthetic_training_time() -> pd.DataFrame:
    """Snapshot probes of two archs x two seeds: R_f = 2^-epoch (seed 0) and 2^-epoch x 4
    (seed 1), so their geometric mean is 2^(1-epoch); test error 0.9 / (1 + epoch)."""
    rows = []
    for arch, seed, epoch, statistic in itertools.product(
        ("LeNet", "ResNet18"), (0, 1), (0, 1, 2, 4), ("median", "mean")
    ):
        R = 2.0**-epoch * (4.0 if seed else 1.0)
        rows.append(
            dict(
                dataset="synth-cifar10", arch=arch, P="full", n_train=256, seed=seed,
                epoch=epoch, state="init" if epoch == 0 else "snapshot",
                interpolation="bilinear", c=3.0, cutoff_rule="code", T=1e-3, delta=1.0,
                point="delta1", layer=5, layer_name="out", is_output=True,
                statistic=statistic, noise_norm="per_image", R=R, G=0.5, D=0.5 * R,
                test_error=0.9 / (1 + epoch),
            )
        )  # fmt: skip
    return pd.DataFrame(rows)


def synthetic_filter_spectrum() -> pd.DataFrame:
    """Two 3x3 layers, two seeds: the energy on eigenvalue lambda grows as (1 + epoch)^(1 -
    lambda / 3), so c_t / c_0 = (1 + t)^(1 - lambda / 3) for both seeds."""
    rows = [
        dict(
            dataset="synth-cifar10",
            arch="ResNet18",
            P="full",
            seed=seed,
            layer=layer,
            layer_name=f"blocks.conv{layer}",
            n_filters=64,
            epoch=epoch,
            eigenvalue=lam,
            energy=(0.1 + seed) * (1 + epoch) ** (1 - lam / 3),
        )  # fmt: skip
        for seed, layer, epoch, lam in itertools.product(
            (0, 1), (1, 2), (0, 1, 2, 4), (0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
        )
    ]
    return pd.DataFrame(rows)


def test_training_time_figure_averages_seeds_geometrically(figure_inputs) -> None:
    from diffeo_stability.figures.mechanisms_training_time import seed_curves

    table = load_input([figure_inputs["training_time"]], "training_time.csv")
    rows = Headline().rows(table, arch="LeNet")
    curves, epochs, mean = seed_curves(rows, "R")
    assert len(curves) == 2 and epochs.tolist() == [0, 1, 2, 4]
    assert np.allclose(mean, 2.0 ** (1 - epochs))
    _, _, error = seed_curves(rows, "test_error")
    assert np.allclose(error, 0.9 / (1 + epochs))
    fig = _draw("mechanisms_training_time", [figure_inputs["training_time"]])
    assert len(_data_axes(fig)) == 4 * 2 and "Missing" not in _texts(fig)


def test_lowpass_figure_divides_by_the_initial_energy(figure_inputs) -> None:
    from diffeo_stability.figures.mechanisms_lowpass_filters import energy_ratios

    ratios = energy_ratios(pd.read_csv(figure_inputs["filter_spectrum"]))
    expected = (1 + ratios["epoch"]) ** (1 - ratios["eigenvalue"] / 3)
    assert np.allclose(ratios["ratio"], expected)
    fig = _draw("mechanisms_lowpass_filters", [figure_inputs["filter_spectrum"]])
    assert len(_data_axes(fig)) == 2 and "Missing" not in _texts(fig)


@pytest.mark.parametrize("name", ["mechanisms_training_time", "mechanisms_lowpass_filters"])
def test_a_mechanisms_figure_without_its_table_says_so(name, tmp_path) -> None:
    fig = _draw(name, [tmp_path / f"{FIGURES[name].inputs[0]}.csv"])
    assert "Missing (not drawn)" in _texts(fig)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_a_figure_reads_exactly_its_declared_options(name: str, figure_inputs) -> None:
    spec = FIGURES[name]
    options = RecordingOptions({**TINY.get(spec.module, {}), "note": "synthetic data (test)"})
    spec.draw([figure_inputs[key] for key in spec.inputs], options)
    assert not options.read - spec.keys, f"{name} reads options it does not declare"
    assert not spec.keys - options.read, f"{name} declares options it does not read"


def test_the_figure_command_refuses_an_option_the_figure_does_not_read(tmp_path: Path) -> None:
    from diffeo_stability.commands import figure

    parser = argparse.ArgumentParser()
    figure.add_arguments(parser)
    args = ["fig5_error_vs_rf", "--out", str(tmp_path / "f"), "--set", "datset=x"]
    message = "fig5_error_vs_rf --set: unknown option 'datset'; allowed: archs, c, cutoff_rule"
    with pytest.raises(ConfigError, match=message):
        figure.run(parser.parse_args(args))
    assert not list(tmp_path.iterdir())


def test_infinite_values_are_treated_as_missing(tmp_path):
    """A collapsed net gives G = 0 and R = inf (synthetic table): the figures still draw."""
    from diffeo_stability.figures import fig3_sota_stability
    from diffeo_stability.tables.queries import read_table

    frame = synthetic_logavg()
    trained = frame["state"] == "trained"
    frame.loc[trained, "R"] = np.inf
    frame.loc[trained, "G"] = 0.0
    path = tmp_path / "logavg.csv"
    frame.to_csv(path, index=False)
    assert not np.isinf(read_table(path)["R"]).any()
    assert isinstance(fig3_sota_stability.draw([path], {}), Figure)


def test_full_size_takes_the_largest_training_set_of_each_data_set():
    frame = pd.DataFrame(
        {
            "dataset": ["mnist"] * 3 + ["cifar10"] * 2,
            "P": ["512", "2048", "2048", "512", "full"],
            "n_train": [512, 2048, 2048, 512, 50000],
            "arch": ["A", "A", "B", "A", "A"],
        }
    )
    largest = full_size(frame)
    assert sorted(zip(largest["dataset"], largest["P"], largest["arch"], strict=True)) == [
        ("cifar10", "full", "A"),
        ("mnist", "2048", "A"),
        ("mnist", "2048", "B"),
    ]


def test_pixel_grid_bijectivity_criterion_is_looser_at_large_c():
    from diffeo_stability.figures.fig1_diffeo_phase_space import jacobian_grid, well_behaved

    assert jacobian_grid("continuous", 15, 32) == 61 and jacobian_grid("pixel", 15, 32) == 32
    temps, cuts = np.array([3e-4, 1e-3]), np.array([15.0])
    fine, _ = well_behaved(temps, cuts, 8, 64, 0, "continuous")
    coarse, _ = well_behaved(temps, cuts, 8, 64, 0, "pixel")
    assert (coarse >= fine).all() and (coarse > fine).any()
    with pytest.raises(ConfigError, match="criterion"):
        jacobian_grid("exact", 3, 32)


def test_fig3_draws_the_imagenet_bars_from_the_pretrained_stand_ins(tmp_path: Path) -> None:
    frame = synthetic_logavg(("mnist",), ["ResNet18", "EfficientNetB0"])
    imagenet = select(frame, arch="ResNet18", P="full", state="trained").assign(
        dataset="imagenet", arch="resnet101", R=0.05
    )
    pd.concat([frame, imagenet]).to_csv(tmp_path / "logavg.csv", index=False)
    fig = _draw("fig3_sota_stability", [tmp_path / "logavg.csv"], {"datasets": "mnist,imagenet"})
    bars = fig.axes[1]  # ResNet18's bars: the ImageNet group holds resnet101's R_f
    heights = [p.get_height() for p in bars.patches if p.get_x() > 0.5]
    assert heights and np.allclose(heights, 0.05)
    text = _texts(fig).replace("\n", " ")  # the note wraps
    assert "ImageNet bars" not in text and "resnet101 on" not in text
    assert "efficientnet_b2 on imagenet" in text.lower()  # EfficientNetB0's stand-in: absent
