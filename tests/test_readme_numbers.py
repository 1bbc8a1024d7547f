"""Every number of the README's Results and Mechanisms sections against the published tables.

The claims summary is generated (`diffeo-stability claims-summary`) and compared with the live
`docs/results/cpu/claims.csv`. Every other number is found by a short phrase (a regular
expression whose `{n}` stand for the numbers) and recomputed here from
`docs/results/cpu/*.csv` with its own pandas computation, then compared at the precision the
README prints (a README number changed by one in its last digit fails). A decimal number of
these sections that no check covers fails `test_every_decimal_number_is_checked`, unless it
lies in one of the few passages listed in `NOT_FROM_A_TABLE` (the run's job times, read off
its Snakemake log) with the reason.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from readme_phrases import (
    Check,
    agrees,
    assert_block_is_the_claims_table,
    each_number_test,
    geomean,
    headline,
    section,
    unchecked_numbers,
    words,
)
from workflow_helpers import ROOT

from diffeo_stability.tables.claims.summary import current_block, summary_block

TABLES = ROOT / "docs" / "results" / "cpu"
SECTIONS = {"Results": section("Results"), "Mechanisms": section("Mechanisms")}


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(TABLES / name)


def extremes(values: pd.Series) -> list[float]:
    """[lowest, highest] of `values`: a range as the README prints it, "0.35-0.84"."""
    return [values.min(), values.max()]


# ---------------------------------------------------------------- the computations, one per phrase
def training_counts() -> list[float]:
    runs = table("training.csv")
    image = runs[~runs["arch"].str.startswith("Local")]
    snapshot_runs = table("training_time.csv")[["arch", "seed", "dataset", "P"]].drop_duplicates()
    probed = headline(table("seeds.csv")).query("state == 'trained' and point == 'delta1'")
    probed = probed[~probed["arch"].str.startswith("Local")]
    return [len(image), len(snapshot_runs), len(probed), len(table("stripe.csv"))]


def widths() -> list[float]:
    width = table("training.csv").groupby("arch")["width_factor"].first()
    assert width["ResNet18"] == width["EfficientNetB0"]
    assert width["AlexNet"] == width["VGG11"] == width["VGG11bn"] == width["VGG16bn"]
    return [1 / width["ResNet18"], 1 / width["AlexNet"]]


def epochs_per_size() -> list[float]:
    runs = table("training.csv")
    runs = runs[~runs["arch"].str.startswith("Local")]
    epochs = runs.groupby("P")["epochs"].unique()
    assert all(len(e) == 1 for e in epochs), "one number of epochs per P"
    sizes = sorted(epochs.index)
    steps = [int(epochs[P][0]) * math.ceil(P / 128) for P in sizes]
    return [*(int(epochs[P][0]) for P in sizes), *sizes, min(steps[1:]), steps[0]]


def seeds_and_nets() -> list[float]:
    runs = table("training.csv")
    runs = runs[~runs["arch"].str.startswith("Local")]
    seeds = runs.groupby(["dataset", "arch", "P"])["seed"].nunique().reset_index()
    exception = (seeds["arch"] == "EfficientNetB0") & seeds["dataset"].isin(
        ["mnist", "fashionmnist"]
    )
    on_mnists, others = seeds[exception]["seed"], seeds[~exception]["seed"]
    assert on_mnists.nunique() == 1 and others.nunique() == 1
    nets = runs[(runs["dataset"] == "cifar10-jpeg") & (runs["P"] == 50000)]["arch"].nunique()
    return [others.iloc[0], on_mnists.iloc[0], nets, runs["P"].min(), runs["P"].max()]


def sweep_points() -> list[float]:
    rows = headline(table("logavg.csv"))
    sweep = rows[rows["point"] == "sweep"]
    assert set(sweep["dataset"]) == {"cifar10-jpeg"} and set(sweep["n_seeds"]) == {1}
    assert sweep["P"].nunique() == 1 and sweep.groupby("arch")["delta"].nunique().nunique() == 1
    return [sweep["delta"].nunique(), sweep["P"].iloc[0]]


def resnet_errors() -> list[float]:
    runs = table("training.csv")
    runs = runs[(runs["arch"] == "ResNet18") & (runs["P"] == 50000)].set_index("dataset")
    error = runs.groupby(level=0)["final_test_error"].agg(geomean)
    loss = runs.loc["cifar10-jpeg", "final_train_loss"].mean()
    return [error["cifar10-jpeg"], loss, error["fashionmnist"], error["mnist"]]


def sota_ranges() -> list[float]:
    rows = headline(table("seeds.csv"))
    rows = rows[(rows["state"] == "trained") & (rows["P"] == 50000) & (rows["point"] == "delta1")]
    sota = ["ResNet18", "EfficientNetB0", "VGG11bn", "VGG16bn"]
    means = rows[rows["arch"].isin(sota)].groupby(["dataset", "arch"])["R"].agg(geomean)
    cifar = means.xs("cifar10-jpeg")
    mnists = means.drop("cifar10-jpeg", level="dataset")
    assert len(cifar) == 4 and len(mnists) == 4
    return [cifar.min(), cifar.max(), mnists.min(), mnists.max()]


def interpolations() -> list[float]:
    rows = table("logavg.csv")
    keep = (rows["c"] == 3) & rows["is_output"] & (rows["statistic"] == "median")
    keep &= (rows["noise_norm"] == "per_image") & (rows["arch"] == "ResNet18")
    keep &= (
        (rows["dataset"] == "cifar10-jpeg") & (rows["P"] == 50000) & (rows["state"] == "trained")
    )
    seed0 = table("seeds.csv")
    seed0 = seed0[(seed0["arch"] == "ResNet18") & (seed0["dataset"] == "cifar10-jpeg")]
    seed0 = seed0[(seed0["P"] == 50000) & (seed0["state"] == "trained") & (seed0["seed"] == 0)]
    seed0 = seed0[(seed0["c"] == 3) & seed0["is_output"] & (seed0["statistic"] == "median")]
    at1 = seed0[seed0["noise_norm"] == "per_image"].set_index("interpolation")["R"]
    sweep = rows[keep & (rows["point"] == "sweep")].pivot_table(
        index="delta", columns="interpolation", values="R"
    )
    last = sweep.index.max()
    return [
        at1["bilinear"],
        at1["gaussian"],
        at1["bilinear"] / at1["gaussian"],
        sweep.loc[last, "bilinear"] / sweep.loc[last, "gaussian"],
        last,
        sweep.loc[last, "bilinear"],
        sweep.loc[last, "gaussian"],
    ]


def mode_sum(c: float, cutoff: str, n: int = 32) -> float:
    """E||C||^2 / T of the max-entropy ensemble on an n-pixel grid: sum over the kept modes
    (i, j >= 1) of (i pi)^2 <cos^2(i pi u)> <sin^2(j pi u)> / (i^2 + j^2)."""
    u = np.linspace(0, 1, n)
    k = np.arange(1, int(c) + 2)
    i, j = np.meshgrid(k, k, indexing="ij")
    kept = i**2 + j**2 <= c**2 if cutoff == "disk" else np.sqrt(i**2 + j**2) < c + 0.5
    cos2 = np.cos(np.pi * np.outer(k, u)) ** 2
    sin2 = np.sin(np.pi * np.outer(k, u)) ** 2
    terms = (np.pi * i) ** 2 * cos2.mean(1)[:, None] * sin2.mean(1)[None, :] / (i**2 + j**2)
    return float(terms[kept].sum())


def slides_factor() -> list[float]:
    parts = table("mechanisms/diffeo_parts.csv")
    compression = parts[parts["part"] == "compression"].set_index("c")
    ratio = compression["exact"] / compression["slides"]
    lowest, largest = ratio.idxmin(), ratio.index.max()
    slides = math.pi**2 / 32 * lowest**2  # the slides' (pi^2/32) c^2 T, over T
    assert math.isclose(mode_sum(lowest, "code") / slides, ratio[lowest], rel_tol=1e-6)
    disk = mode_sum(lowest, "disk") / slides
    return [ratio[lowest], lowest, disk, ratio[largest], largest, parts["size"].iloc[0]]


def distance_numbers() -> list[float]:
    rows = table("mechanisms/distance.csv")
    rows = rows[(rows["state"] == "trained") & (rows["statistic"] == "median")]
    rises, r_deltas, grid_r, flips = [], [], [], {}
    for arch, net in rows.groupby("arch"):
        noise = net[net["kind"] == "noise"].sort_values("r")
        r_delta = net[(net["kind"] == "diffeo") & (net["abscissa"] == 1.0)]["r"].iloc[0]
        near = noise.iloc[(noise["r"] - r_delta).abs().argmin()]
        first = noise.iloc[0]
        rises.append((near["value"] / near["r"] ** 2) / (first["value"] / first["r"] ** 2))
        r_deltas.append(r_delta)
        grid_r.append(near["r"])
        flips[arch] = noise[noise["misclassified"] >= 0.5]["r"].min()
    assert len(set(np.round(grid_r, 6))) == 1 and len(set(np.round(r_deltas, 6))) == 1
    assert flips["ResNet18"] == flips["VGG11"] == flips["VGG11bn"]
    return [grid_r[0], r_deltas[0], min(rises), max(rises), flips["ResNet18"], flips["VGG16bn"]]


def operation_counts() -> list[float]:
    """Per trained VGG: ReLUs that lower R, convolutions, max-pools that lower R; R at the
    input and output."""
    rows = table("mechanisms/operations.csv")
    rows = rows[(rows["statistic"] == "median") & (rows["noise_norm"] == "per_image")]
    trained = rows[rows["state"] == "trained"]
    out = {}
    for arch, net in trained.groupby("arch"):
        net = net.sort_values("layer")
        change = net["R"].to_numpy()[1:] / net["R"].to_numpy()[:-1]
        kinds = net["kind"].to_numpy()[1:]
        out[arch] = {
            k: (int((change[kinds == k] < 1).sum()), int((kinds == k).sum()))
            for k in ("ReLU", "conv", "max-pool")
        }
        out[arch]["ends"] = (net["R"].iloc[0], net["R"].iloc[-1])
    assert out["VGG11"]["max-pool"] == out["VGG11bn"]["max-pool"]
    for arch in ("VGG11", "VGG11bn", "VGG16bn"):
        lowered, total = out[arch]["conv"]
        assert lowered < total / 2, f"{arch}: R should rise across most convolutions"
    inputs = rows[rows["layer"] == rows["layer"].min()]["R"]
    return [
        *out["VGG11"]["ReLU"],
        *out["VGG11bn"]["ReLU"],
        *out["VGG16bn"]["ReLU"],
        *out["VGG16bn"]["max-pool"],
        out["VGG11"]["max-pool"][1] - out["VGG11"]["max-pool"][0],
        out["VGG11"]["max-pool"][1],
        *extremes(inputs),
        out["ResNet18"]["ends"][1],
        out["VGG11"]["ends"][1],
        out["VGG11bn"]["ends"][1],
        out["VGG16bn"]["ends"][1],
    ]


def shuffle_numbers() -> list[float]:
    rows = table("mechanisms/shuffle.csv")
    rows = rows[(rows["state"] == "trained") & (rows["statistic"] == "median")]
    rows = rows[rows["noise_norm"] == "per_image"]
    standard = rows[rows["permutation"] < 0].set_index("arch")
    shuffled = rows[rows["permutation"] >= 0]
    assert set(shuffled.groupby(["arch", "layer"]).size()) == {2}, "2 permutations per block"
    per_block = shuffled.groupby(["arch", "layer"])["test_error"].mean()
    per_block_R = shuffled.groupby(["arch", "layer"])["R"].agg(geomean)
    r_range = per_block_R.groupby(level="arch").agg(["min", "max"])
    return [
        *extremes(per_block),
        *extremes(standard["test_error"]),
        *r_range.loc["ResNet18"],
        standard.loc["ResNet18", "R"],
        *r_range.loc["VGG11"],
        standard.loc["VGG11", "R"],
    ]


def parts_numbers() -> list[float]:
    parts = table("mechanisms/diffeo_parts.csv")
    whole = parts[parts["patch"] == 0].copy()
    z = ((whole["measured"] - whole["exact"]) / whole["stderr"]).abs()
    gradient = whole[whole["part"] != "translation"]
    ratio = gradient["measured"] / gradient["slides"]
    at3 = gradient[gradient["c"] == 3].set_index("part")
    patch = parts[parts["part"] == "non_translation"].set_index(["patch", "c"])
    p3, p17 = patch.loc[3], patch.loc[17]
    follows = p3["measured"] / p3["linear"]
    assert (follows[follows.index > 5] < 0.95).all(), "below the prediction at every c > 5"
    translation = whole[whole["part"] == "translation"]["measured"]
    return [
        parts["samples"].iloc[0],
        z.max(),
        *extremes(parts["c"]),
        *extremes(ratio),
        at3.loc["compression", "measured"],
        at3.loc["shear", "measured"],
        at3.loc["rotation", "measured"],
        at3.loc["compression", "slides"],
        at3.loc["shear", "slides"],
        at3.loc["rotation", "slides"],
        *extremes(p3["measured"]),
        *extremes(parts["c"]),
        *extremes(translation),
        *extremes(follows[follows.index <= 5]),
        follows[8.0],
        follows[15.0],
        *extremes(p17["measured"]),
        *extremes(p17["linear"]),
    ]


def neuron_numbers() -> list[float]:
    rows = table("mechanisms/neuron_stability.csv")
    rows = rows.assign(relative=rows["alpha"] / rows["activation_sq"])
    for (state, _layer), group in rows.groupby(["state", "layer"]):
        order = group.sort_values("relative")["kind"].tolist()
        assert order[0] == "translation"
        assert order[-1] == ("shear" if state == "trained" else "compression")
    move = rows[rows["kind"] == "translation"].set_index("state")["relative"]
    conv3 = rows[(rows["layer"] == "conv3") & (rows["kind"] == "translation")].set_index("state")
    linear = rows[rows["kind"] != "translation"]["displacement_rms_px"]
    return [
        *extremes(move["trained"]),
        *extremes(move["init"]),
        conv3.loc["trained", "active_neurons"],
        conv3.loc["trained", "neurons"],
        conv3.loc["init", "active_neurons"],
        *extremes(linear),
    ]


def low_frequency_share() -> pd.DataFrame:
    """(arch, order) x state: power at frequencies <= 0.125 cycles per pixel, block mean."""
    rows = table("mechanisms/spectra.csv")
    low = rows[rows["frequency"] <= 0.125]
    per_block = low.groupby(["arch", "order", "state", "layer"])["power"].sum()
    return per_block.groupby(level=[0, 1, 2]).mean().unstack("state")


def spectra_numbers() -> list[float]:
    share = low_frequency_share()
    direction = np.sign(share["trained"] - share["init"]).unstack("order")
    assert (direction["average_then_normalise"] == direction["normalise_then_average"]).all()
    first = share.xs("average_then_normalise", level="order")
    return [v for arch in ("ResNet18", "VGG11bn", "VGG16bn", "VGG11") for v in first.loc[arch]]


def filter_numbers() -> list[float]:
    rows = table("mechanisms/filters.csv")
    energy = rows.groupby(["arch", "state", "layer", "eigenvalue"])["energy"].sum()
    share = energy.xs(0.0, level="eigenvalue") / energy.groupby(level=[0, 1, 2]).sum()
    per_net = share.groupby(level=[0, 1]).mean().unstack("state")
    assert per_net["init"].round(2).nunique() == 1
    return [per_net["init"].iloc[0], per_net["trained"].min(), per_net["trained"].max()]


def training_time_numbers() -> list[float]:
    rows = headline(table("training_time.csv")).set_index(["arch", "seed", "epoch"])
    R = rows["R"]
    ratio = R.groupby(level=["arch", "epoch"]).agg(lambda r: r.max() / r.min())
    return [
        R["ResNet18", 0, 1],
        R["ResNet18", 1, 1],
        R["LeNet", 0, 1],
        R["LeNet", 1, 1],
        R["ResNet18", 0, 4],
        R["ResNet18", 1, 4],
        rows.loc["ResNet18"]["test_error"].xs(4, level="epoch").mean(),
        R["LeNet", 0, 4],
        R["LeNet", 1, 4],
        ratio.max(),
    ]


def filter_spectrum_numbers() -> list[float]:
    rows = table("filter_spectrum.csv")
    rows = rows[rows["arch"] == "ResNet18"]
    energy = rows.pivot_table(
        index=["seed", "layer", "eigenvalue"], columns="epoch", values="energy"
    )
    gain = energy[4] / energy[0]
    low = gain.xs(0.0, level="eigenvalue")
    high = gain.xs(gain.index.get_level_values("eigenvalue").max(), level="eigenvalue")
    return [low.min(), low.max(), low.median(), high.min(), high.max(), high.median()]


def local_init_numbers() -> list[float]:
    """Initial R_f of the basic local nets (the same for both P), and the direction of
    training the README states: down only for the read-out-only convolutions on cifar10-jpeg."""
    rows = headline(table("logavg.csv"))
    rows = rows[rows["arch"].str.startswith("Local") & (rows["point"] == "delta1")]
    R = rows.pivot_table(index=["dataset", "arch", "P"], columns="state", values="R")
    lowered = R[R["trained"] < R["init"]].index
    assert set(lowered.get_level_values("dataset")) == {"cifar10-jpeg"}
    assert all(a.startswith("LocalCNN-readout") for a in lowered.get_level_values("arch"))
    readout = R.xs("cifar10-jpeg").index.get_level_values("arch").str.startswith("LocalCNN-readout")
    assert len(lowered) == readout.sum()
    init = R["init"].groupby(level=["dataset", "arch"]).agg(["min", "max"])
    assert (init["max"] - init["min"]).abs().max() < 1e-9  # one initial net for both P
    return [init["min"][d, a] for d in ("cifar10-jpeg", "mnist") for a in ("LocalCNN", "LocalLCN")]


def local_net_numbers() -> list[float]:
    rows = headline(table("logavg.csv"))
    rows = rows[rows["arch"].str.startswith("Local") & (rows["state"] == "trained")]
    R = rows[rows["point"] == "delta1"].set_index(["dataset", "arch", "P"])["R"]
    cifar = R.xs("cifar10-jpeg")
    small, large = sorted(cifar.index.get_level_values("P").unique())
    at = {P: cifar.xs(P, level="P") for P in (small, large)}
    basic = ["LocalCNN", "LocalCNN-readout", "LocalLCN", "LocalLCN-readout"]
    assert at[large][basic].idxmax() == "LocalCNN" and at[small][basic].idxmax() == "LocalLCN"
    assert at[small][basic].idxmin() == at[large][basic].idxmin() == "LocalCNN-readout"
    sizes = cifar.drop(basic, level="arch")  # the read-out-only convolution, one size changed
    (sizes_P,) = sizes.index.get_level_values("P").unique()
    sizes = sizes.droplevel("P")
    lowest = re.fullmatch(r"LocalCNN-readout-p(\d+)", sizes.idxmin())  # pooling size p_s
    highest = re.fullmatch(r"LocalCNN-readout-h(\d+)", sizes.idxmax())  # channels h
    assert lowest and highest, (sizes.idxmin(), sizes.idxmax())
    mnist = R.xs("mnist")
    return [
        at[small]["LocalCNN-readout"],
        small,
        at[large]["LocalCNN-readout"],
        large,
        at[large]["LocalCNN"],
        at[large]["LocalLCN"],
        at[large]["LocalLCN-readout"],
        small,
        at[small]["LocalLCN"],
        at[small]["LocalCNN"],
        at[small]["LocalLCN-readout"],
        *extremes(mnist),
        sizes_P,
        sizes.min(),
        int(lowest.group(1)),
        sizes.max(),
        int(highest.group(1)),
    ]


def local_net_trainings() -> list[float]:
    runs = table("training.csv")
    return [runs["arch"].str.startswith("Local").sum()]


# ------------------------------------------------------------------------- the phrases
#: (section, phrase, the numbers it quotes in order)
CHECKS: list[Check] = [
    (
        "Results",
        words("""training of the image experiments {n} runs, 207 job-min (0-133; {n} of them
        keep snapshots for the mechanisms stage); probing {n} runs, 20 job-min (15-133); stripe
        model {n} runs"""),
        training_counts,
    ),
    ("Results", "Nets are 1/{n} (ResNet18, EfficientNetB0) or 1/{n} (AlexNet, VGGs)", widths),
    ("Results", "with 2 seeds t = {n}, not 2", lambda: [scipy.stats.t.ppf(0.975, df=1)]),
    (
        "Mechanisms",
        words("""R_f {n} for the convolution and {n} for the locally connected net on
        `cifar10-jpeg`, {n} and {n} on MNIST"""),
        local_init_numbers,
    ),
    (
        "Results",
        words("""trained {n}, {n}, {n}, {n} and {n} epochs at P = {n}, {n}, {n}, {n} and {n} (at
        least {n} SGD steps of batch 128, {n} at P = 500)"""),
        epochs_per_size,
    ),
    (
        "Results",
        words("""{n} seeds ({n} for EfficientNetB0 on MNIST and Fashion-MNIST) instead of 16 for
        the P sweeps and 5 for Fig. 5; {n} nets in Fig. 5 instead of 15 (no ResNet34, VGG19bn,
        ResNet50 or transfer nets); P = {n} ... {n} instead of"""),
        seeds_and_nets,
    ),
    (
        "Results",
        "an {n}-point delta sweep and the per-layer probe only at P = {n} on `cifar10-jpeg`",
        sweep_points,
    ),
    (
        "Results",
        words("""ResNet18 reaches test error {n} on `cifar10-jpeg` (final training loss {n}), {n}
        on Fashion-MNIST and {n} on MNIST"""),
        resnet_errors,
    ),
    (
        "Results",
        words("""The four trained SOTA nets have R_f {n}-{n} on CIFAR10-JPEG, far above the
        paper's 1e-2 ... 1e-1, and {n}-{n} on Fashion-MNIST and MNIST"""),
        sota_ranges,
    ),
    (
        "Results",
        words("""has R_f = {n} with bilinear and {n} with Gaussian resampling, a factor {n}; the
        factor falls to {n} at delta = {n} ({n} and {n})"""),
        interpolations,
    ),
    (
        "Mechanisms",
        words("""too low by a factor that tends to pi only for large c: {n} at c = {n} under our
        (the authors' code's) cut-off rule, {n} under the paper's disk rule, {n} at c = {n}
        ({n}-pixel grid"""),
        slides_factor,
    ),
    (
        "Mechanisms",
        words("""G_f / r^2 at r = {n}, the point of the noise grid nearest the r of the delta = 1
        diffeos ({n}), is already {n}-{n} times its value at the smallest r, while half of the
        noisy images change class only at r = {n} (ResNet18, VGG11, VGG11bn) or {n}
        (VGG16bn)"""),
        distance_numbers,
    ),
    (
        "Mechanisms",
        words("""R falls across most ReLUs ({n} of {n} in VGG11, {n} of {n} in VGG11bn, {n} of
        {n} in VGG16bn) and rises across most convolutions, while the max-pools lower it in
        VGG16bn only ({n} of {n}; in VGG11 and VGG11bn {n} of {n} raise it): at this scale
        pooling is not what makes R fall. R at the input is {n}-{n} (the median statistic of an
        identity map, tests/test_mechanisms.py) and at the output of the trained nets {n}
        (ResNet18), {n} (VGG11), {n} (VGG11bn) and {n} (VGG16bn)"""),
        operation_counts,
    ),
    (
        "Mechanisms",
        words("""test error {n}-{n} (mean of 2 permutations per block) against {n}-{n} for the
        standard nets, while R (geometric mean of the 2 permutations) moves either way
        (ResNet18: {n}-{n} against {n}; VGG11: {n}-{n} against {n})"""),
        shuffle_numbers,
    ),
    (
        "Mechanisms",
        words("""(`diffeo_parts.csv`, {n} fields per c). The measured norms of translation,
        compression, shear and rotation agree with the exact mode sums within {n} standard
        errors at every c from {n} to {n}; the three gradient parts are {n}-{n} times the
        slides' asymptotics (at c = 3: compression {n}, shear {n}, rotation {n} against {n},
        {n}, {n}). On a 3x3 patch the non-translation part is {n}-{n} px^2 (c = {n}-{n}; the
        translation part {n}-{n} px^2); it follows the linear prediction for c <= 5 only
        (measured over predicted {n}-{n}), and falls below it at larger c ({n} at c = 8, {n} at
        c = 15). On a 17x17 patch it is {n}-{n} px^2, where the linear prediction ({n}-{n})
        fails"""),
        parts_numbers,
    ),
    (
        "Mechanisms",
        words("""(translation: alpha / <a^2> {n}-{n} trained against {n}-{n} at init), and fewer
        are active (conv3: {n} of {n} against {n}). A unit-norm rotation, compression or shear
        moves the patch's pixels {n}-{n} px rms"""),
        neuron_numbers,
    ),
    (
        "Mechanisms",
        words("""grows slightly with training in ResNet18 ({n} to {n}), VGG11bn ({n} to {n}) and
        VGG16bn ({n} to {n}) and falls in VGG11 ({n} to {n}, average then normalise; both orders
        agree in direction)"""),
        spectra_numbers,
    ),
    (
        "Mechanisms",
        words("""rises from {n} at initialisation (1/9 for random filters) to {n}-{n} after
        training in all four nets"""),
        filter_numbers,
    ),
    (
        "Mechanisms",
        words("""(epoch 1: ResNet18 {n} and {n}, LeNet {n} and {n}), then falls for ResNet18 to
        {n} and {n} at epoch 4 while its test error falls to {n}; LeNet ends at {n} and {n}. The
        two seeds differ by up to {n}x at one epoch"""),
        training_time_numbers,
    ),
    (
        "Mechanisms",
        words("""by epoch 4 ResNet18's 3x3 filters hold {n}-{n} times their initial energy at
        lambda = 0 (median over layers and seeds {n}) and {n}-{n} times at the largest lambda
        (median {n})"""),
        filter_spectrum_numbers,
    ),
    (
        "Mechanisms",
        words("""is the most stable (R_f {n} at P = {n}, {n} at {n}). At P = 5,000 the same net
        trained whole is the least stable ({n}) and the locally connected nets lie between
        (trained whole {n}, read-out only {n}); at P = {n} the locally connected net trained
        whole is the least stable ({n}, the convolution trained whole {n}, the locally
        connected read-out only {n}). On MNIST all four stay unstable (R_f {n}-{n}). Varying
        the read-out-only convolution at P = {n} one size at a time gives R_f {n} (p_s = {n})
        to {n} (h = {n})"""),
        local_net_numbers,
    ),
    ("Mechanisms", "the simple local nets {n} trainings", local_net_trainings),
    ("Mechanisms", "the probes of the snapshots of {n} runs", lambda: training_counts()[1:2]),
]
#: passages whose numbers are not in any table, and why
NOT_FROM_A_TABLE = {
    "Results": [
        (
            r"379 jobs, \*\*133 min 55 s of wall time\*\* \(budget: 155 minutes\)",
            "the run's wall time (Snakemake log); tests/test_readme.py checks its stamp",
        ),
        (r"Job time per stage .*? not from a table\.", "job times from the run's Snakemake log"),
        (r"0\.125 cycles per pixel", "a setting (tables.mechanisms.LOW_FREQUENCY)"),
    ],
    "Mechanisms": [
        (
            r"Cost, measured in the published run .*?\(trained nets\) and 20 \(the rest\)\.",
            "job times from the run's Snakemake log",
        ),
        (r"0\.125 cycles per pixel", "a setting (tables.mechanisms.LOW_FREQUENCY)"),
    ],
}


test_each_number_is_its_table = each_number_test(SECTIONS, CHECKS)


def test_the_claims_summary_is_the_claims_tables():
    """The README block equals the rendering of the live claims.csv (rerun
    `diffeo-stability claims-summary` after regenerating the table)."""
    assert_block_is_the_claims_table("cpu")


def test_every_decimal_number_is_checked():
    """A decimal number outside the generated block, images and code is inside a checked
    phrase or a passage of NOT_FROM_A_TABLE."""
    for where, text in SECTIONS.items():
        passages = [p for p, _ in NOT_FROM_A_TABLE[where]]
        loose = unchecked_numbers(where, text, "", CHECKS, passages)
        assert not loose, f"README {where}: numbers no check covers: {loose}"


def test_a_changed_number_fails():
    """The comparison is at the printed precision: one digit off in the last place fails."""
    assert agrees("0.74", 0.7448) and not agrees("0.75", 0.7448)
    assert agrees("1,600", 1600) and not agrees("123", 122)
    assert agrees("0.0059", 0.005945) and not agrees("0.0060", 0.005945)


# ------------------------------------------------------------ the summary generator, by hand
def hand_claims() -> pd.DataFrame:
    """Two claims over three rows and a row of runs left out, as claims.csv writes them."""
    base = {"interval": "", "criterion": "", "seeds": "2", "width": "0.125", "epochs": "4"}
    rows = [
        {
            "claim": "A",
            "dataset": "mnist",
            "arch": "LeNet",
            "paper_value": "1",
            "reproduced_value": 2.0,
            "holds": "no",
            "P": "50000",
        },
        {
            "claim": "A",
            "dataset": "mnist,cifar10-jpeg",
            "arch": "ResNet18",
            "paper_value": "1",
            "reproduced_value": 0.123456,
            "interval": "[0.1, 0.2] (how)",
            "holds": "yes",
            "P": "500, 1600, 50000",
        },
        {
            "claim": "B",
            "dataset": "stripe d=30",
            "arch": "one hidden layer",
            "paper_value": "-1",
            "reproduced_value": -1.2,
            "holds": "not testable at this scale",
            "P": "128",
            "width": "",
            "epochs": "",
            "seeds": "3",
        },
        {
            "claim": "runs excluded: R_f undefined",
            "dataset": "mnist",
            "arch": "LeNet",
            "paper_value": "",
            "reproduced_value": float("nan"),
            "holds": "not tested",
            "P": "500",
            "details": "1 run excluded",
        },
    ]
    frame = pd.DataFrame([base | r for r in rows]).fillna("")
    frame["reproduced_value"] = pd.to_numeric(frame["reproduced_value"], errors="coerce")
    return frame


def test_the_summary_keeps_one_row_per_claim_of_the_paper():
    block = summary_block(hand_claims())
    rows = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 3  # the heading, A, B: the runs left out are not a claim
    assert rows[1] == (
        "| 1 | A | 1 | 0.123 [0.1, 0.2] (how) | ResNet18, MNIST, CIFAR10-JPEG, P = 500-50,000, "
        "width 1/8, 4 epochs, 2 seeds | yes | 1 yes, 1 no |"
    )
    assert rows[2].startswith(
        "| 2 | B | -1 | -1.2 | one hidden layer, stripe d=30, P = 128, 3 seeds |"
    )
    assert "All 4 rows of the claims table: 1 yes, 1 no, 1 not testable at this scale, " in block
    assert "Left out of every claim: 1 run excluded." in block
    assert "Not tested here" not in block


def test_a_claim_with_no_tested_row_is_named_not_summarised():
    claims = hand_claims()
    claims.loc[claims["claim"] == "B", "holds"] = "not tested"
    block = summary_block(claims)
    rows = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 2 and rows[1].startswith("| 1 | A |")
    assert "Not tested here (no data for them): B." in block


def test_the_summary_adds_the_seeds_needed_when_the_table_has_them():
    claims = hand_claims().assign(seeds_needed=["", "", "40", ""])
    rows = [line for line in summary_block(claims).splitlines() if line.startswith("| ")]
    assert rows[0].endswith("| seeds to decide it |") and rows[-1].endswith("| 40 |")
    assert '"seeds to decide it": for a row not testable' in summary_block(claims)
    assert "seeds to decide it" not in summary_block(hand_claims())


def test_the_command_rewrites_the_block_and_checks_it(tmp_path):
    from diffeo_stability.cli import main
    from diffeo_stability.errors import DataError
    from diffeo_stability.tables.claims.summary import END, START

    claims = tmp_path / "claims.csv"
    hand_claims().to_csv(claims, index=False)
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{START}\nold\n{END}\nafter\n")
    args = ["claims-summary", "--claims", str(claims), "--readme", str(readme)]
    assert main([*args, "--check"]) == 1  # out of date: the error is reported, nothing written
    assert "old" in readme.read_text()
    assert main(args) == 0
    text = readme.read_text()
    assert text.startswith("before\n") and text.endswith("\nafter\n") and "| 1 | A | 1 |" in text
    assert main([*args, "--check"]) == 0
    readme.write_text("no markers\n")
    with pytest.raises(DataError, match="claims-summary:start"):
        current_block(readme.read_text())


def test_a_named_block_is_rewritten_alone(tmp_path):
    """`--block cpu-long` rewrites the block with that name and leaves the unnamed one as is."""
    from diffeo_stability.cli import main
    from diffeo_stability.tables.claims.summary import END, START, markers

    claims = tmp_path / "claims.csv"
    hand_claims().to_csv(claims, index=False)
    start, end = markers("cpu-long")
    assert "cpu-long" in start and "cpu-long" in end and start != START and end != END
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\nfirst\n{END}\n{start}\nsecond\n{end}\n")
    assert (
        main(
            [
                "claims-summary",
                "--claims",
                str(claims),
                "--readme",
                str(readme),
                "--block",
                "cpu-long",
            ]
        )
        == 0
    )
    text = readme.read_text()
    assert "first" in text and "second" not in text
    assert current_block(text, name="cpu-long") == summary_block(hand_claims(), "cpu-long")
    assert current_block(text) == f"{START}\nfirst\n{END}"
