"""Trained R_f per (data set, architecture): state-of-the-art nets in [1e-2, 1e-1], fully
connected nets >= 1; the paper's value is the poster's CIFAR-10 number where it has one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.rows import claim_row, groups
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import dataset_label, full_size, select

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


def sota_claims(
    trained: pd.DataFrame,
    training: pd.DataFrame | None,
    logavg: pd.DataFrame | None,
    probe: Headline,
) -> list[dict]:
    """Trained ResNet / VGG-bn / EfficientNet R_f in SOTA_RANGE, one row per net of `trained`
    (headline rows, trained, largest P); the details give R_f under the other noise norm."""
    low, high = SOTA_RANGE
    rows = _per_net(
        "trained ResNet / VGG-bn / EfficientNet R_f in [1e-2, 1e-1]",
        _matching(trained, SOTA_PATTERN),
        training,
        f"{low:g} <= R_f <= {high:g}",
        lambda r: low <= r <= high,
        _sota_paper,
    )
    return _with_other_noise_norm(rows, logavg, probe)


def fc_claims(trained: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Trained fully connected nets R_f >= 1, one row per net of `trained`."""
    return _per_net(
        "trained fully connected nets R_f >= 1",
        _matching(trained, FC_PATTERN),
        training,
        "R_f >= 1",
        lambda r: r >= 1.0,
        lambda d, a: f"{PAPER_CIFAR_R[a]:g}" if d in CIFAR_LIKE and a in PAPER_CIFAR_R else ">= 1",
    )


def _per_net(
    claim: str,
    rows: pd.DataFrame,
    training: pd.DataFrame | None,
    criterion: str,
    test: Callable[[float], bool],
    paper: Callable[[str, str], str],
) -> list[dict[str, object]]:
    """One claim row per (data set, arch) of `rows`, R_f tested by `test`."""
    out = []
    for group in groups(rows, ["dataset", "arch"]):
        dataset, arch = group["dataset"].iloc[0], group["arch"].iloc[0]
        value = float(group["R"].iloc[0])
        ok = test(value) if np.isfinite(value) else None
        out.append(
            claim_row(
                claim,
                paper(dataset, arch),
                criterion,
                ok,
                group,
                training,
                value,
                f"R_f = {value:.3g} ({dataset_label(dataset)})",
            )
        )
    if not out:
        out.append(
            claim_row(
                claim,
                paper("", ""),
                criterion,
                None,
                rows,
                training,
                details="no matching rows in logavg.csv",
            )
        )
    return out


def _matching(frame: pd.DataFrame, pattern: re.Pattern[str]) -> pd.DataFrame:
    """Rows whose arch name matches `pattern`."""
    return frame if frame.empty else frame[frame["arch"].str.match(pattern)]


def _sota_paper(dataset: str, arch: str) -> str:
    if dataset in CIFAR_LIKE and arch in PAPER_CIFAR_R:
        return f"{PAPER_CIFAR_R[arch]:g}"
    return "1e-2 to 1e-1"


def _with_other_noise_norm(
    rows: list[dict], logavg: pd.DataFrame | None, probe: Headline
) -> list[dict]:
    """Append to each row's details its R_f under the other noise-norm convention, if probed."""
    other = "mean" if probe.noise_norm == "per_image" else "per_image"
    alt = replace(probe, noise_norm=other).rows(logavg, c=probe.c)
    alt = full_size(select(alt, state="trained"))
    if alt is None or alt.empty:
        return rows
    for row in rows:
        match = alt[(alt["dataset"] == row["dataset"]) & (alt["arch"] == row["arch"])]
        if not match.empty:
            row["details"] += f"; {other} noise norm: R_f = {float(match['R'].iloc[0]):.3g}"
    return rows
