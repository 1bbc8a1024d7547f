"""Known answers of the D_f, G_f, R_f measurement (`diffeo_stability.probe`)."""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.errors import ConfigError
from diffeo_stability.probe.measure import (
    MEASUREMENT_COLUMNS,
    NOISE_NORMS,
    ProbeSettings,
    draw_seed,
    perturb,
    probe_function,
    probing_mode,
    temperature_points,
)
from diffeo_stability.probe.statistics import (
    change,
    median,
    middle_by_kthvalue,
    middle_by_partition,
    pair_distances,
    pair_norm,
)

FAST = ProbeSettings(cutoffs=(3.0,), interpolations=("bilinear",), sweep_points=0, layers=False)


def identity(x: torch.Tensor) -> torch.Tensor:
    return x


def image_mean(x: torch.Tensor) -> torch.Tensor:
    """A function that sees only the mean pixel value: (B, C, n, n) -> (B, 1)."""
    return x.mean(dim=(1, 2, 3))[:, None]


def ramps(batch: int, n: int, seed: int = 0) -> torch.Tensor:
    """Images a + b u (u the column coordinate in [0, 1]) with random a, b: (B, 1, n, n)."""
    gen = torch.Generator().manual_seed(seed)
    a = 0.2 * torch.rand(batch, 1, 1, 1, generator=gen)
    b = 0.3 + 0.5 * torch.rand(batch, 1, 1, 1, generator=gen)
    u = torch.linspace(0, 1, n).view(1, 1, 1, n)
    return (a + b * u).expand(batch, 1, n, n).contiguous()


def small_bn_net(seed: int = 0) -> tuple[nn.Sequential, list[tuple[str, nn.Module]]]:
    torch.manual_seed(seed)
    blocks = [
        ("conv1", nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())),
        ("conv2", nn.Sequential(nn.Conv2d(4, 4, 3, stride=2), nn.BatchNorm2d(4), nn.ReLU())),
        ("fc", nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 7 * 7, 3))),
    ]
    return nn.Sequential(*(m for _, m in blocks)), blocks


def test_median_selection_is_exact_on_both_device_paths() -> None:
    """The CPU partition and the accelerator kthvalue paths select the same middle values, and
    the median statistic (selected on float32 |d|, squared in float64) equals numpy's median
    of the float64 squares, ties and even counts included."""
    gen = torch.Generator().manual_seed(0)
    clean = torch.randn(500, 300, generator=gen)
    moved = clean + torch.randn(500, 300, generator=gen).round(decimals=1)  # many ties
    moved[:, :7] = clean[:, :7]  # units that never change
    for n in (500, 499):
        d = (moved[:n] - clean[:n]).abs()
        for dim, values in ((0, d), (-1, d.T)):
            ranks = ((n - 1) // 2, n // 2)
            cpu, other = (
                middle_by_partition(values, dim, ranks),
                middle_by_kthvalue(values, dim, ranks),
            )
            for a, b in zip(cpu, other, strict=True):
                torch.testing.assert_close(a, b, rtol=0, atol=0)
        squares = (moved[:n] - clean[:n]).double().square().numpy()
        expected = np.median(squares, axis=0).sum()
        assert change(clean[:n], moved[:n], "median") == pytest.approx(expected, rel=1e-14)


def test_median_and_pairs_match_numpy() -> None:
    values = torch.randn(7, 5, dtype=torch.float64)
    np.testing.assert_allclose(median(values[:6]).numpy(), np.median(values[:6].numpy(), axis=0))
    np.testing.assert_allclose(median(values).numpy(), np.median(values.numpy(), axis=0))
    brute = [float(((values[i] - values[j]) ** 2).sum()) for i in range(7) for j in range(i + 1, 7)]
    np.testing.assert_allclose(pair_distances(values).numpy(), brute, rtol=1e-10)
    assert pair_norm(values, "median") == pytest.approx(float(np.median(brute)))
    # the median statistic sums per-unit medians: here unit 0 changes by 1 in 2 of 3 images
    clean, moved = torch.zeros(3, 2), torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    assert change(clean, moved, "median") == 1.0
    assert change(clean, moved, "mean") == pytest.approx(11 / 3)


def test_temperature_points_span_the_sweep() -> None:
    settings = ProbeSettings(deltas=(1.0, 2.0), sweep_points=30, sweep_range=(1 / 15, 2.0))
    points = temperature_points(32, 5.0, settings)
    assert [p for p, _ in points[:2]] == ["delta1", "delta2"] and len(points) == 32
    assert points[0][1] == pytest.approx(diffeo.temperature_from_delta(1.0, 32, 5.0))
    t_min, t_max = diffeo.temperature_range(32, 5.0)
    sweep = np.array([t for _, t in points[2:]])
    assert sweep[0] == pytest.approx(t_min / 15) and sweep[-1] == pytest.approx(2 * t_max)
    np.testing.assert_allclose(np.diff(np.log(sweep)), np.log(sweep[1] / sweep[0]))


def test_identity_mean_statistic_gives_r_one_by_construction() -> None:
    x = torch.rand(40, 1, 12, 12, generator=torch.Generator().manual_seed(1))
    settings = ProbeSettings(
        cutoffs=(3.0, 5.0), interpolations=("bilinear", "gaussian"), sweep_points=2, layers=False
    )
    rows = probe_function(identity, x, settings, seed=3)
    mean = rows[rows.statistic == "mean"]
    # per-image norm match: ||eta_i|| = ||tau x_i - x_i|| exactly, so G_raw = D_raw
    per_image = mean[mean.noise_norm == "per_image"]
    np.testing.assert_allclose(per_image.R, 1.0, rtol=1e-5)
    # mean norm match: G_raw = (mean_i ||tau x_i - x_i||)^2 <= D_raw = mean_i ||.||^2
    by_mean = mean[mean.noise_norm == "mean"]
    np.testing.assert_allclose(by_mean.G_raw, by_mean.diffeo_norm**2, rtol=1e-5)
    assert (by_mean.R >= 1 - 1e-6).all() and (by_mean.R < 1.2).all()
    np.testing.assert_allclose(rows.noise_norm_value, rows.diffeo_norm, rtol=1e-5)
    # normaliser: mean over pairs of ||x_i - x_j||^2 of the clean (bilinear: raw) images
    flat = x.flatten(1).double()
    pairs = [float(((flat[i] - flat[j]) ** 2).sum()) for i in range(40) for j in range(i)]
    bilinear = mean[mean.interpolation == "bilinear"]
    np.testing.assert_allclose(bilinear.pair_norm, np.mean(pairs), rtol=1e-9)


def test_image_mean_is_far_less_stable_to_diffeos_than_to_noise() -> None:
    # Derivation. Let N = n^2 pixels and f(x) = sum(x) / N.
    # Noise: eta is uniform on the sphere of radius r_i = ||tau x_i - x_i||, so its projection
    #   on the unit vector 1/sqrt(N) has E = r_i^2 / N, and (f(x + eta) - f(x))^2 = that / N,
    #   i.e. E[G_raw] = mean_i r_i^2 / N^2 for the mean statistic.
    # Diffeo on a ramp x = a + b u: bilinear interpolation is exact on linear functions and the
    #   border pixels never move, so tau x - x = -b tau_u (in units of the image width) pixel by
    #   pixel. With c = 3 the (1, 1) sine mode has a nonzero mean over the image,
    #   (2 / pi)^2 C_11, so sum(tau x - x) is coherent: (sum d)^2 / ||d||^2 ~ N (16 / pi^4)
    #   (1/2) / (1.025 / 4) = 0.32 N, whereas for the noise the same ratio is 1 on average.
    #   Hence R = D_raw / G_raw ~ 0.3 N >> 1: the mean is far *less* stable to diffeos.
    n, batch = 16, 256
    x = ramps(batch, n)
    mean_rows = probe_function(image_mean, x, FAST, seed=0)
    assert (mean_rows.R > 0.1 * n * n).all()
    # and the noise part matches E[G_raw] = mean_i r_i^2 / N^2, mean_i r_i^2 from the identity
    # probed with the same draws (4 standard deviations of the estimate: sqrt(2 / B) = 9%)
    id_rows = probe_function(identity, x, FAST, seed=0)
    pick = {"statistic": "mean", "noise_norm": "per_image"}
    g_mean = mean_rows.loc[(mean_rows[list(pick)] == pd.Series(pick)).all(axis=1), "G_raw"]
    r2 = id_rows.loc[(id_rows[list(pick)] == pd.Series(pick)).all(axis=1), "D_raw"]
    assert float(g_mean.iloc[0]) * n**4 / float(r2.iloc[0]) == pytest.approx(1.0, abs=0.35)


def test_exact_copy_gives_identical_rows_and_seed_changes_draws() -> None:
    net, blocks = small_bn_net()
    twin = copy.deepcopy(net)
    twin_blocks = [(name, twin[i]) for i, (name, _) in enumerate(blocks)]
    x = torch.rand(12, 1, 16, 16, generator=torch.Generator().manual_seed(2))
    settings = ProbeSettings(cutoffs=(3.0,), sweep_points=1, layers=True, max_batch=20)
    for batch_stats in (False, True):
        first = probe_function(net, x, settings, seed=5, blocks=blocks, batch_stats=batch_stats)
        second = probe_function(
            twin, x, settings, seed=5, blocks=twin_blocks, batch_stats=batch_stats
        )
        pd.testing.assert_frame_equal(first, second)
    other = probe_function(net, x, settings, seed=6, blocks=blocks, batch_stats=True)
    assert not np.allclose(other.diffeo_norm, first.diffeo_norm)
    assert not np.allclose(other.D_raw, first.D_raw)
    keys = ["interpolation", "c", "T", "layer", "statistic", "noise_norm"]
    pd.testing.assert_frame_equal(other[keys], first[keys])  # same grid, different draws


def test_per_layer_rows_layout_and_consistency() -> None:
    net, blocks = small_bn_net()
    x = torch.rand(16, 1, 16, 16, generator=torch.Generator().manual_seed(3))
    settings = ProbeSettings(
        cutoffs=(3.0, 5.0), interpolations=("gaussian",), sweep_points=2, layers=True
    )
    rows = probe_function(net, x, settings, seed=1, blocks=blocks)
    delta1 = rows[rows.point == "delta1"]
    assert sorted(delta1.layer.unique()) == [0, 1, 2, 3]
    assert list(delta1.drop_duplicates("layer").layer_name) == ["input", "conv1", "conv2", "fc"]
    assert set(rows[rows.point == "sweep"].layer) == {3}
    assert (rows.is_output == (rows.layer == 3)).all()
    # layer 0 is the input: the same numbers as probing the identity
    ident = probe_function(identity, x, settings, seed=1)
    pd.testing.assert_series_equal(
        delta1[delta1.layer == 0].R.reset_index(drop=True),
        ident[(ident.point == "delta1") & (ident.layer == 0)].R.reset_index(drop=True),
        rtol=1e-6,
    )
    # output rows do not depend on whether the other layers are recorded
    only_out = probe_function(net, x, replace(settings, layers=False), seed=1, blocks=blocks)
    pd.testing.assert_frame_equal(
        rows[rows.is_output].reset_index(drop=True), only_out.reset_index(drop=True), rtol=1e-6
    )


def plain_layer_outputs(net: nn.Sequential, x: torch.Tensor) -> list[np.ndarray]:
    """Input and every block's output of `net` on one NCHW batch, flattened, float64."""
    outs = [x]
    for block in net:
        outs.append(block(outs[-1]))
    return [out.flatten(1).double().numpy() for out in outs]


def test_batched_channels_last_probe_equals_a_plain_reference() -> None:
    """Chunked channels-last forwards and kthvalue medians give the numbers of one plain NCHW
    forward per group and numpy's median (even count: mean of the two middle values)."""
    net, blocks = small_bn_net()
    x = torch.rand(10, 1, 16, 16, generator=torch.Generator().manual_seed(7))
    settings = ProbeSettings(
        cutoffs=(5.0,), interpolations=("gaussian",), sweep_points=0, layers=True, max_batch=3
    )
    rows = probe_function(net, x, settings, seed=2, blocks=blocks)
    net.eval()
    gen = torch.Generator().manual_seed(draw_seed(2, "trained", "gaussian", 5.0, 0))
    ((_, T),) = temperature_points(16, 5.0, settings)
    with torch.no_grad():
        clean = diffeo.smooth(x, "gaussian")
        pert = perturb(x, clean, "gaussian", 5.0, T, settings.cutoff_rule, gen)
        ref_clean = plain_layer_outputs(net, clean)
        ref_deformed = plain_layer_outputs(net, pert.deformed)
        ref_noisy = plain_layer_outputs(net, pert.noisy["per_image"])
    for layer in range(4):
        at = rows[(rows.layer == layer) & (rows.noise_norm == "per_image")].set_index("statistic")
        d_sq = (ref_deformed[layer] - ref_clean[layer]) ** 2
        g_sq = (ref_noisy[layer] - ref_clean[layer]) ** 2
        assert at.D_raw["median"] == pytest.approx(np.median(d_sq, axis=0).sum(), rel=1e-5)
        assert at.G_raw["median"] == pytest.approx(np.median(g_sq, axis=0).sum(), rel=1e-5)
        assert at.D_raw["mean"] == pytest.approx(d_sq.sum(1).mean(), rel=1e-5)
        i, j = np.triu_indices(10, 1)
        pairs = ((ref_clean[layer][i] - ref_clean[layer][j]) ** 2).sum(1)
        assert at.pair_norm["median"] == pytest.approx(np.median(pairs), rel=1e-5)


def test_batch_statistics_leave_running_stats_untouched() -> None:
    net, blocks = small_bn_net()
    net.train()
    norm = net[0][1]
    with torch.no_grad():
        norm.running_mean.fill_(5.0)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.rand(16, 1, 16, 16)
    probe_function(net, x, FAST, seed=0, blocks=blocks, batch_stats=True)
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert net.training and norm.training and norm.track_running_stats
    with torch.no_grad(), probing_mode(net, batch_stats=True):
        assert not net[2][1].training  # dropout off
        normed = net[0][1](net[0][0](x))
    # batch statistics, not the (absurd) running mean of 5: per-channel batch mean is 0
    np.testing.assert_allclose(normed.mean(dim=(0, 2, 3)).numpy(), 0.0, atol=1e-5)


def test_measurement_schema_is_stable() -> None:
    rows = probe_function(identity, torch.rand(4, 1, 8, 8), FAST, seed=0)
    assert list(rows.columns) == list(MEASUREMENT_COLUMNS)
    assert {k: str(v) for k, v in rows.dtypes.items()} == MEASUREMENT_COLUMNS
    assert len(rows) == 2  # 1 point x 1 layer x 2 statistics x the default noise norm
    assert set(rows.noise_norm) == {"per_image"}  # the authors' convention
    assert math.isfinite(rows.R.sum())


def test_gaussian_clean_images_are_smoothed_alike() -> None:
    # a vanishing diffeo under the Gaussian resampling equals the smoothed clean image, so
    # ||tau x - x|| -> 0; compared with the raw image it would stay at the smoothing's size
    x = torch.rand(6, 3, 12, 12, generator=torch.Generator().manual_seed(4))
    clean = diffeo.smooth(x, "gaussian")
    pert = perturb(
        x, clean, "gaussian", 3.0, 1e-14, "disk", torch.Generator().manual_seed(0), NOISE_NORMS
    )
    assert float(pert.distance.max()) < 1e-4 < float((clean - x).flatten(1).norm(dim=1).min())
    noise = {k: (v - clean).flatten(1).norm(dim=1) for k, v in pert.noisy.items()}
    torch.testing.assert_close(noise["per_image"], pert.distance)
    torch.testing.assert_close(noise["mean"], pert.distance.mean().expand(6))


@pytest.mark.parametrize("spread", [0.0, 1e-8])
def test_collapsed_network_gives_undefined_not_a_number(spread: float) -> None:
    """Outputs equal across images (pair norm 0) or equal up to float32 rounding (differences
    1e-8 of their norm): D, G and R are NaN, not ratios of rounding noise. A small but real
    spread (1e-2 of the norm) is measured."""

    def nearly_constant(scale: float):
        return lambda x: 5.0 + scale * x.flatten(1)[:, 60:63].double()

    images = torch.rand(8, 1, 12, 12, generator=torch.Generator().manual_seed(0))
    rows = probe_function(nearly_constant(spread), images, FAST, seed=0)
    assert rows[["D", "G", "R"]].isna().all().all()
    # with spread, the mean pair norm is positive (a pair norm of 0 alone is not the rule)
    assert (rows.loc[rows.statistic == "mean", "pair_norm"] > 0).all() == (spread > 0)
    for f in (identity, nearly_constant(1e-2)):
        defined = probe_function(f, images, FAST, seed=0)
        assert np.isfinite(defined[["D", "G", "R"]].to_numpy()).all()


def test_changes_of_rounding_size_give_undefined() -> None:
    """Outputs that differ between images (resolved pair norm) but move under the perturbations
    by float rounding only (as the median over images of a nearly dead net): D, G and R are NaN,
    not ratios of rounding noise."""

    def nearly_blind(x: torch.Tensor) -> torch.Tensor:
        spread = (torch.arange(len(x)) % 2)[:, None].double()  # differs between images
        return 5.0 + spread + 1e-9 * x.flatten(1)[:, 60:63].double()

    rows = probe_function(nearly_blind, torch.rand(8, 1, 12, 12), FAST, seed=0)
    assert (rows["pair_norm"] > 0.1).all() and (rows["G_raw"] > 0).all()
    assert rows[["D", "G", "R"]].isna().all().all()


def test_only_the_configured_noise_norms_are_forwarded() -> None:
    net, _ = small_bn_net()
    net.eval()  # a plain function is probed as it is: batch-norm must not see the batch
    x = torch.rand(8, 1, 16, 16, generator=torch.Generator().manual_seed(4))
    images_seen = []

    def counting(images: torch.Tensor) -> torch.Tensor:
        images_seen.append(len(images))
        return net(images)

    one = ProbeSettings(cutoffs=(3.0,), interpolations=("bilinear",), sweep_points=0, layers=False)
    both = replace(one, noise_norms=NOISE_NORMS)
    rows_both = probe_function(counting, x, both, seed=3)
    forwarded_both, images_seen[:] = sum(images_seen), []
    rows_one = probe_function(counting, x, one, seed=3)
    assert set(rows_one.noise_norm) == {"per_image"}
    assert sum(images_seen) == forwarded_both - len(x)  # one noisy group fewer
    same = rows_both[rows_both.noise_norm == "per_image"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows_one, same)
    with pytest.raises(ConfigError, match="noise_norms: .l2. is not allowed"):
        replace(both, noise_norms=("l2",))
