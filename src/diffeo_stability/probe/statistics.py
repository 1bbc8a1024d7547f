"""The statistics of Eq. 4-5: output changes under a perturbation, and the pair normaliser.

All functions take network outputs flattened to (B, K): B images, K output units (logits or
the activations of one layer). Two statistics over the images:

- ``"median"``: sum over units k of median_i (f(x'_i) - f(x_i))_k^2 (the authors' code),
- ``"mean"``: mean over i of ||f(x'_i) - f(x_i)||^2.

The normaliser is the same statistic of ||f(x_i) - f(x_j)||^2 over the pairs i != j.
Medians of an even number of values average the two middle ones.
"""

from __future__ import annotations

import numpy as np
import torch

from diffeo_stability.errors import ConfigError

STATISTICS = ("median", "mean")


def middle_values(values: torch.Tensor, dim: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The ((n - 1) // 2)-th and (n // 2)-th smallest values along `dim` (n = its size; the
    same value when n is odd), values as given.

    On a CPU numpy's introselect partitions for both ranks at once along `dim` (no transposed
    copy, no sort: about 4x `kthvalue` on a contiguous copy for (500, 12544)); on other
    devices `kthvalue` selects on a contiguous copy whose last axis is `dim`."""
    ranks = ((values.shape[dim] - 1) // 2, values.shape[dim] // 2)
    select = middle_by_partition if values.device.type == "cpu" else middle_by_kthvalue
    return select(values, dim, ranks)


def middle_by_partition(
    values: torch.Tensor, dim: int, ranks: tuple[int, int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """`middle_values` on a CPU tensor: numpy's introselect for both ranks in one pass."""
    parted = np.partition(values.detach().numpy(), ranks, axis=dim)
    lower, upper = (torch.as_tensor(np.take(parted, rank, axis=dim)) for rank in ranks)
    return lower, upper


def middle_by_kthvalue(
    values: torch.Tensor, dim: int, ranks: tuple[int, int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """`middle_values` on any device: `kthvalue` per rank on a contiguous copy."""
    rows = values.movedim(dim, -1).contiguous()
    lower, upper = (rows.kthvalue(rank + 1, dim=-1).values for rank in ranks)
    return lower, upper


def median(values: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Median along `dim`, averaging the two middle values when their number is even."""
    lower, upper = middle_values(values, dim)
    return (lower + upper) / 2


def _check(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise ConfigError(f"statistic {statistic!r} unknown; allowed: {', '.join(STATISTICS)}")


def change(clean: torch.Tensor, perturbed: torch.Tensor, statistic: str) -> float:
    """Un-normalised D or G: the statistic over images of (f(x') - f(x))^2, both (B, K)."""
    _check(statistic)
    difference = perturbed - clean
    if statistic == "median":
        # squaring is monotone in |d| and exact from float32 to float64: the middle squares
        # are the squares of the middle |d|, selected in float32 (half the memory traffic)
        lower, upper = middle_values(difference.abs(), 0)
        return float(((lower.double().square() + upper.double().square()) / 2).sum())
    return float(difference.double().square().sum(1).mean())


def pair_distances(outputs: torch.Tensor) -> torch.Tensor:
    """||f(x_i) - f(x_j)||^2 for all pairs i < j, (B (B - 1) / 2,) float64, from (B, K)."""
    flat = outputs.double()
    sq_norms = flat.square().sum(1)
    gram = flat @ flat.T  # float64: the cancellation below keeps ~1e-12 relative accuracy
    rows, cols = torch.triu_indices(len(flat), len(flat), offset=1, device=flat.device)
    return (sq_norms[rows] + sq_norms[cols] - 2 * gram[rows, cols]).clamp_min(0)


def mean_square_norm(outputs: torch.Tensor) -> float:
    """Mean over images of ||f(x)||^2 (float64) of outputs (B, K): the outputs' scale."""
    return float(outputs.double().square().sum(1).mean())


def pair_norm(outputs: torch.Tensor, statistic: str) -> float:
    """Normaliser of Eq. 5: median or mean over pairs i != j of ||f(x_i) - f(x_j)||^2."""
    _check(statistic)
    distances = pair_distances(outputs)
    return float(median(distances) if statistic == "median" else distances.mean())
