"""Trained R_f per (data set, architecture) at the paper's training-set size: state-of-the-art
nets in [1e-2, 1e-1], fully connected nets >= 1, LeNet about 0.6 on CIFAR-10 and > 1 elsewhere.
The paper's value is the poster's CIFAR-10 number where it has one."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from diffeo_stability.tables.claims.decide import (
    ABSENT,
    UNDECIDED,
    Decision,
    decide,
    geometric_mean,
)
from diffeo_stability.tables.claims.rows import absent_row, below_paper_size, claim_row, groups
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import full_size, select

#: the poster's R_f on CIFAR-10 at P = 50k (METHODS.md, reference numbers)
PAPER_CIFAR_R = {
    "FullConnL2": 2.70,
    "FullConnL4": 2.97,
    "FullConnL6": 5.9,
    "LeNet": 0.60,
    "AlexNet": 0.28,
    "VGG11": 0.29,
    "VGG11bn": 0.15,
    "VGG16bn": 0.0185,
    "VGG19bn": 0.0266,
    "ResNet18": 0.030,
    "ResNet34": 0.032,
    "ResNet50": 0.047,
    "EfficientNetB0": 0.113,
    "EfficientNetB0-transfer": 0.0061,
    "EfficientNetB2-transfer": 0.0063,
}
#: data sets whose rows are compared with the poster's CIFAR-10 numbers (the JPEG copy too)
CIFAR_LIKE = ("cifar10", "cifar10-jpeg")
SOTA_RANGE = (1e-2, 1e-1)
SOTA_PATTERN = re.compile(r"^(ResNet\d+|VGG\d+bn|EfficientNet.*)$")
FC_PATTERN = re.compile(r"^FullConnL\d+$")
LENET_PATTERN = re.compile(r"^LeNet$")
#: LeNet on CIFAR-10, "slightly insensitive (R_f ~ 0.6)": below 1, within a factor 2 of 0.6
LENET_CIFAR_RANGE = (0.3, 1.0)
#: (data set, arch) -> (low, high) of the claimed range
Range = Callable[[str, str], tuple[float, float]]


def sota_claims(
    trained: pd.DataFrame, training: pd.DataFrame | None, seeds: pd.DataFrame, probe: Headline
) -> list[dict]:
    """Trained ResNet / VGG-bn / EfficientNet R_f in SOTA_RANGE, one row per net of `trained`
    (headline rows per seed, trained, largest P); the details give the other noise norm."""
    low, high = SOTA_RANGE
    rows = _per_net(
        "trained ResNet / VGG-bn / EfficientNet R_f in [1e-2, 1e-1]",
        _matching(trained, SOTA_PATTERN),
        training,
        f"{low:g} <= R_f <= {high:g}",
        lambda d, a: SOTA_RANGE,
        lambda d, a: _poster(d, a) or "1e-2 to 1e-1",
    )
    return _with_other_noise_norm(rows, seeds, probe)


def fc_claims(trained: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Trained fully connected nets R_f >= 1, one row per net of `trained`."""
    return _per_net(
        "trained fully connected nets R_f >= 1",
        _matching(trained, FC_PATTERN),
        training,
        "R_f >= 1",
        lambda d, a: (1.0, math.inf),
        lambda d, a: _poster(d, a) or ">= 1",
    )


def lenet_claims(trained: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Trained LeNet: about 0.6 on CIFAR-10 (LENET_CIFAR_RANGE), above 1 on other data sets."""
    low, high = LENET_CIFAR_RANGE
    return _per_net(
        "trained LeNet: ~0.6 on CIFAR-10, > 1 elsewhere",
        _matching(trained, LENET_PATTERN),
        training,
        f"CIFAR-10: {low:g} <= R_f <= {high:g}; elsewhere R_f >= 1",
        lambda d, a: LENET_CIFAR_RANGE if d in CIFAR_LIKE else (1.0, math.inf),
        lambda d, a: _poster(d, a) or "> 1",
    )


def _per_net(
    claim: str,
    rows: pd.DataFrame,
    training: pd.DataFrame | None,
    criterion: str,
    claimed: Range,
    paper: Callable[[str, str], str],
) -> list[dict[str, object]]:
    """One claim row per (data set, arch) of `rows` (per seed), the geometric mean of R_f over
    seeds with its 95 % t interval decided against the claimed range; not testable below the
    paper's P."""
    out = []
    for group in groups(rows, ["dataset", "arch"]):
        dataset, arch = group["dataset"].iloc[0], group["arch"].iloc[0]
        estimate = geometric_mean(group["R"])
        decision = decide(estimate, *claimed(dataset, arch))
        small = below_paper_size(group)
        if small and decision.verdict != ABSENT:
            decision = Decision(UNDECIDED, f"{small}: the paper's value is at P = 50k")
        out.append(
            claim_row(
                claim,
                f"{paper(dataset, arch)} (P = 50k)",
                criterion,
                decision,
                group,
                training,
                estimate,
                f"R_f = {estimate.value:.3g}",
            )
        )
    return out or [absent_row(claim, paper("", ""), criterion, "no matching trained rows")]


def _matching(frame: pd.DataFrame, pattern: re.Pattern[str]) -> pd.DataFrame:
    """Rows whose arch name matches `pattern`."""
    return frame if frame.empty else frame[frame["arch"].str.match(pattern)]


def _poster(dataset: str, arch: str) -> str:
    """The poster's CIFAR-10 R_f of `arch`, or '' elsewhere."""
    return f"{PAPER_CIFAR_R[arch]:g}" if dataset in CIFAR_LIKE and arch in PAPER_CIFAR_R else ""


def _with_other_noise_norm(rows: list[dict], seeds: pd.DataFrame, probe: Headline) -> list[dict]:
    """Append to each row's details its R_f under the other noise-norm convention, if probed."""
    other = "mean" if probe.noise_norm == "per_image" else "per_image"
    alt = full_size(
        select(replace(probe, noise_norm=other).rows(seeds, c=probe.c), state="trained")
    )
    if alt.empty:
        return rows
    for row in rows:
        match = alt[(alt["dataset"] == row["dataset"]) & (alt["arch"] == row["arch"])]
        if not match.empty:
            value = geometric_mean(match["R"]).value
            row["details"] += f"; {other} noise norm: R_f = {value:.3g}"
    return rows
