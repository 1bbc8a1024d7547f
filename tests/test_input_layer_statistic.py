"""R_f at an identity layer (the input, layer 0 of the depth appendix) under both statistics,
against known answers (figures/appendix_depth.py explains the published 0.35).

Pixel changes d_i (B images, K pixels) against noise eta_i of the same norm per image:
- mean statistic: R = 1 exactly, whatever the changes;
- median statistic: R = median(d^2) / (0.455 mean(d^2)) for changes i.i.d. over images and
  pixels: 1 for Gaussian changes, (ln 2)^2 / (2 x 0.4549) = 0.528 for Laplace ones, 0 for
  changes that are zero in most images (edges only).
"""

from __future__ import annotations

import math

import pytest
import torch

from diffeo_stability.probe.statistics import change

B, K = 4001, 64  # images (odd: one middle value), pixels
#: median of a squared standard normal variable (chi-square with 1 degree of freedom)
CHI2_MEDIAN = 0.45493642


def input_layer_r(changes: torch.Tensor, statistic: str) -> float:
    """D / G of the identity for pixel changes (B, K) and Gaussian noise of each image's norm
    (the per-image noise norm)."""
    gen = torch.Generator().manual_seed(1)
    clean = torch.rand(changes.shape, generator=gen, dtype=torch.float64)
    direction = torch.randn(changes.shape, generator=gen, dtype=torch.float64)
    noise = direction / direction.norm(dim=1, keepdim=True) * changes.norm(dim=1, keepdim=True)
    return change(clean, clean + changes, statistic) / change(clean, clean + noise, statistic)


def draws(kind: str) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    if kind == "gaussian":
        return torch.randn(B, K, generator=gen, dtype=torch.float64)
    uniform = torch.rand(B, K, generator=gen, dtype=torch.float64) - 0.5
    laplace = -torch.sign(uniform) * torch.log1p(-2 * uniform.abs())
    if kind == "laplace":
        return laplace
    return laplace * (torch.rand(B, K, generator=gen, dtype=torch.float64) < 0.3)  # sparse


@pytest.mark.parametrize("kind", ["gaussian", "laplace", "sparse"])
def test_mean_statistic_gives_one_at_the_input(kind: str) -> None:
    assert input_layer_r(draws(kind), "mean") == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("gaussian", 1.0), ("laplace", math.log(2) ** 2 / (2 * CHI2_MEDIAN)), ("sparse", 0.0)],
)
def test_median_statistic_at_the_input_is_set_by_the_changes_distribution(
    kind: str, expected: float
) -> None:
    assert input_layer_r(draws(kind), "median") == pytest.approx(expected, abs=0.04)
