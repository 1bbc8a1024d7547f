"""The mechanisms stage's analyses on synthetic nets and images with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from diffeo_stability.mechanisms import diffeo_parts
from diffeo_stability.mechanisms.distance import measure_distance, partners
from diffeo_stability.mechanisms.filters import measure_filters
from diffeo_stability.mechanisms.nets import Convention, Net
from diffeo_stability.mechanisms.operations import RESIDUAL, measure_operations, operations
from diffeo_stability.mechanisms.settings import (
    DiffeoPartsSettings,
    DistanceSettings,
    ShuffleSettings,
)
from diffeo_stability.mechanisms.shuffle import measure_shuffle
from diffeo_stability.mechanisms.spectra import channel_power, measure_spectra, normalised_spectra
from diffeo_stability.models.build import build_model

#: the median over many draws of a chi-square variable with one degree of freedom
CHI2_1_MEDIAN = 0.454936


def squares(count: int, side: int = 32, seed: int = 0) -> torch.Tensor:
    """`count` gray images (count, 1, side, side): one bright square of random size and place
    on a dark background (piecewise constant: a diffeo changes only pixels near its edges)."""
    rng = np.random.default_rng(seed)
    images = torch.zeros(count, 1, side, side)
    for i in range(count):
        size = int(rng.integers(side // 5, side // 2))
        top, left = rng.integers(2, side - size - 2, 2)
        images[i, 0, top : top + size, left : left + size] = 1.0
    return images


def identity_ops() -> tuple[nn.Module, list[tuple[str, str, nn.Module]]]:
    chain = nn.Sequential(nn.Identity(), nn.Identity(), nn.Identity())
    return chain, [(f"id{k}", "identity", module) for k, module in enumerate(chain)]


def test_an_identity_net_has_R_1_at_every_operation_under_the_mean_statistic() -> None:
    chain, ops = identity_ops()
    net = Net("trained", chain, False, math.nan)
    convention = Convention(noise_norms=("per_image",))
    rows = measure_operations(net, squares(40), 40, convention, 0, ops)
    mean = rows[rows["statistic"] == "mean"]
    assert list(mean["layer"]) == [0, 1, 2, 3]
    assert list(mean["kind"]) == ["input", "identity", "identity", "identity"]
    np.testing.assert_allclose(mean["R"], 1.0, rtol=1e-5)


def test_the_median_statistic_of_an_identity_net_counts_only_changes_most_images_share() -> None:
    """Noise changes every pixel of every image: with the same noise norm for every image,
    the median over images of eta_k^2 is that of a chi-square with one degree of freedom,
    0.455 of its mean. A diffeo moves only pixels near edges, and on these images (a square
    with soft edges on a flat background) most pixels lie near an edge in fewer than half of
    the images, so their median change is (nearly) 0: D and R under the median statistic fall
    far below their mean-statistic values (R = 1 with per-image noise). Natural images lie in
    between (the published depth figure: R = 0.35 at the input)."""
    chain, ops = identity_ops()
    net = Net("trained", chain, False, math.nan)
    images = F.avg_pool2d(F.pad(squares(64), (2, 2, 2, 2), mode="replicate"), 5, stride=1)
    rows = measure_operations(net, images, 64, Convention(noise_norms=("mean",)), 0, ops)
    first = rows[rows["layer"] == 0].set_index("statistic")
    ratio = first.loc["median", "G_raw"] / first.loc["mean", "G_raw"]
    assert ratio == pytest.approx(CHI2_1_MEDIAN, rel=0.05)
    assert first.loc["median", "D_raw"] / first.loc["mean", "D_raw"] < 0.02
    rows = measure_operations(net, images, 64, Convention(noise_norms=("per_image",)), 0, ops)
    R = rows.pivot(index="layer", columns="statistic", values="R")
    np.testing.assert_allclose(R["mean"], 1.0, rtol=1e-5)
    assert (R["median"] < 0.05).all()


def test_operations_of_vgg_and_resnet_in_forward_order() -> None:
    vgg = build_model("VGG11bn", 3, 32, 10, None, width_factor=0.125)
    kinds = [kind for _, kind, _ in operations(vgg)]
    assert kinds[:4] == ["conv", "batch-norm", "ReLU", "max-pool"]
    assert kinds.count("conv") == 8 and kinds.count("max-pool") == 5 and kinds[-1] == "linear"
    resnet = build_model("ResNet18", 3, 32, 10, None, width_factor=0.0625)
    ops = operations(resnet)
    names = [name for name, _, _ in ops]
    assert names[:4] == ["stem.0", "stem.1", "stem.2", "stage1.0.main.0"]
    assert [kind for _, kind, _ in ops].count(RESIDUAL) == 8
    assert not any("shortcut" in name for name in names)
    assert [kind for _, kind, _ in ops][-2:] == ["average pool", "linear"]


def test_a_global_average_pool_has_all_its_spectrum_at_frequency_0() -> None:
    maps = torch.rand(5, 3, 8, 8).mean((2, 3), keepdim=True).expand(-1, -1, 8, 8)
    for spectrum in normalised_spectra(channel_power(maps)).values():
        assert spectrum[0].item() == pytest.approx(1.0)
        assert spectrum[1:].abs().max().item() < 1e-12
    for spectrum in normalised_spectra(channel_power(torch.rand(5, 3, 1, 1))).values():
        assert spectrum.tolist() == [1.0]


def test_a_plane_wave_has_its_spectrum_at_its_wave_number() -> None:
    side, k = 16, 3
    u = torch.arange(side, dtype=torch.float64)
    wave = torch.cos(2 * math.pi * k * u / side)[None, None, None, :].expand(2, 4, side, side)
    for spectrum in normalised_spectra(channel_power(wave)).values():
        assert spectrum[k].item() == pytest.approx(1.0)


def test_the_two_orders_of_the_channel_average_differ_as_stated() -> None:
    """A loud smooth channel and a quiet rough one: averaging first lets the loud one win."""
    side = 8
    u = torch.arange(side, dtype=torch.float64)
    smooth = 10 * torch.ones(side, side)
    rough = torch.cos(math.pi * u)[None, :].expand(side, side)  # k = side / 2
    power = channel_power(torch.stack([smooth, rough])[None])
    spectra = normalised_spectra(power)
    assert spectra["normalise_then_average"][0].item() == pytest.approx(0.5)
    assert spectra["average_then_normalise"][0].item() == pytest.approx(100 / 101)


def test_spectra_rows_of_a_net_sum_to_1_per_block_and_order() -> None:
    model = build_model("VGG11bn", 3, 32, 10, None, width_factor=0.125)
    rows = measure_spectra(Net("init", model, True, math.nan), torch.rand(6, 3, 32, 32), 6)
    sums = rows.groupby(["layer", "order"])["power"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert set(rows["side"]) == {16, 8, 4, 2, 1}


class ChannelMean(nn.Module):
    """A channel-symmetric layer: the mean over channels, then a fixed linear read-out."""

    def __init__(self, pixels: int, classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(pixels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.mean(1).flatten(1))


def shuffle_net(symmetric: bool) -> tuple[nn.Module, list[tuple[str, nn.Module]]]:
    torch.manual_seed(0)
    hidden = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU())
    head = ChannelMean(16 * 16, 3) if symmetric else nn.Sequential(nn.Flatten(), nn.LazyLinear(3))
    model = nn.Sequential(hidden, head)
    model(torch.zeros(1, 1, 16, 16))  # materialise the lazy layer
    return model, [("hidden", hidden), ("head", head)]


@pytest.mark.parametrize("symmetric", [True, False])
def test_shuffled_channels_change_nothing_when_the_next_layer_is_channel_symmetric(
    symmetric: bool,
) -> None:
    model, blocks = shuffle_net(symmetric)
    images = squares(12, side=16)
    labels = torch.arange(12) % 3
    rows = measure_shuffle(
        Net("trained", model, False, math.nan),
        images,
        (images, labels),
        ShuffleSettings(n_images=12, n_test=12, permutations=3),
        Convention(),
        seed=0,
        blocks=blocks,
    )
    assert set(rows["permutation"]) == {-1, 0, 1, 2}
    for _, group in rows.groupby(["statistic", "noise_norm"]):
        standard = group[group["permutation"] < 0].iloc[0]
        shuffled = group[group["permutation"] >= 0]
        same = np.allclose(shuffled["R"], standard["R"], rtol=1e-4)
        assert same == symmetric
        if symmetric:
            assert (shuffled["test_error"] == standard["test_error"]).all()


def test_distance_of_a_linear_net() -> None:
    """f(x) = W x: G / r^2 is the same at every r (mean statistic, within sampling error);
    along the segment f changes by lambda (f(z) - f(x)), so Lambda / lambda^2 is constant."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(256, 50, bias=False))
    settings = DistanceSettings(
        n_images=200, noise_range=(0.01, 10.0), noise_points=4, lambdas=(0.1, 0.5, 1.0)
    )
    rows = measure_distance(
        Net("trained", model, False, math.nan), squares(200, side=16), settings, Convention(), 0
    )
    mean = rows[rows["statistic"] == "mean"]
    noise = mean[mean["kind"] == "noise"]
    scaled = noise["value"] / noise["r"] ** 2
    assert scaled.std() / scaled.mean() < 0.05  # sampling: about 0.014
    segment = mean[mean["kind"] == "segment"]
    np.testing.assert_allclose(
        segment["value"] / segment["abscissa"] ** 2, segment["value"].iloc[-1], rtol=1e-4
    )
    np.testing.assert_allclose(noise["r"], noise["abscissa"], rtol=1e-5)
    tiny = mean[(mean["kind"] == "noise") & (mean["abscissa"] < 0.02)]
    assert (tiny["misclassified"] == 0).all()


def test_every_image_is_paired_with_another() -> None:
    for count in (2, 3, 50):
        z = partners(count, torch.Generator().manual_seed(count))
        assert sorted(z.tolist()) == list(range(count))
        assert (z != torch.arange(count)).all()


@pytest.mark.parametrize("cutoff", ["code", "disk"])
def test_diffeo_parts_match_their_expectations_within_sampling_error(cutoff: str) -> None:
    """Monte Carlo grid means over 400 fields against the exact mode sums, within 4 standard
    errors, for c from 2 to 8; the parts sum to ||U||_F^2 (checked on the fields)."""
    settings = DiffeoPartsSettings(samples=400, cutoffs=(2.0, 3.0, 5.0, 8.0), size=24)
    rows = diffeo_parts.measure_parts(settings, delta=1.0, cutoff=cutoff, seed=1)
    whole = rows[rows["patch"] == 0]
    z = (whole["measured"] - whole["exact"]) / whole["stderr"]
    assert (z.abs() < 4).all(), whole.assign(z=z)
    coeffs = torch.randn(3, 2, 5, 5, dtype=torch.float64)
    U = diffeo_parts.diffeo.displacement_gradient(coeffs, 9)
    parts = diffeo_parts.part_norms(coeffs, 9)
    total = sum(parts[name] for name in diffeo_parts.GRADIENT_PARTS)
    torch.testing.assert_close(total, U.square().sum((1, 2)).mean((-2, -1)))


def test_the_slides_asymptotics_against_the_exact_ensemble() -> None:
    """delta^2 approaches (pi/4) n^2 T ln c only logarithmically (0.71 of it at c = 3, 0.82 at
    c = 30); the gradient parts approach pi times the slides' forms: the mode count is
    pi c^2 / 4, which the slides' constants leave out (docs/conventions.md)."""
    n, T = 32, 1e-3
    ratios = {}
    for c in (3.0, 30.0):
        exact = diffeo_parts.exact_norms(c, T, n, "code")
        slides = diffeo_parts.slides_norms(c, T, n)
        ratios[c] = {part: exact[part] / slides[part] for part in exact}
    assert 0.65 < ratios[3.0]["translation"] < ratios[30.0]["translation"] < 0.9
    for part in diffeo_parts.GRADIENT_PARTS:
        assert ratios[30.0][part] == pytest.approx(math.pi, rel=0.01)
        assert ratios[3.0][part] == pytest.approx(ratios[3.0]["compression"])
    assert diffeo_parts.exact_norms(5.0, T, n, "code")["shear"] == pytest.approx(
        2 * diffeo_parts.exact_norms(5.0, T, n, "code")["rotation"]
    )


def test_the_non_translation_part_of_a_small_patch_is_linear() -> None:
    """On 3x3 patches at c = 2 the field is nearly linear: the measured norm of tau minus its
    patch mean is within 5 % of the gradient's prediction; on 17x17 patches at c = 8 it is
    far below it (the slides' 'not ok anymore')."""
    settings = DiffeoPartsSettings(samples=300, cutoffs=(2.0, 8.0), size=32, patch_sizes=(3, 17))
    rows = diffeo_parts.measure_parts(settings, delta=1.0, cutoff="code")
    patches = rows[rows["part"] == "non_translation"].set_index(["c", "patch"])
    small, large = patches.loc[(2.0, 3)], patches.loc[(8.0, 17)]
    assert small["measured"] / small["linear"] == pytest.approx(1.0, abs=0.05)
    assert large["measured"] < 0.5 * large["linear"]


def test_filters_reads_every_3x3_convolution_in_order() -> None:
    model = build_model("ResNet18", 3, 32, 10, None, width_factor=0.0625)
    rows = measure_filters(Net("init", model, True, math.nan))
    assert rows["layer"].nunique() == 17  # stem + 16 in the residual blocks (1x1 shortcuts out)
    assert set(rows["eigenvalue"]) == {0.0, 1.0, 2.0, 3.0, 4.0, 6.0}
    first = rows[rows["layer"] == 1]
    expected = model.blocks.stem[0].weight.detach().double().square().sum((2, 3)).mean()
    assert first["energy"].sum() == pytest.approx(float(expected))
    assert isinstance(rows, pd.DataFrame)
