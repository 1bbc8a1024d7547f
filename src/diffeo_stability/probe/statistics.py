"""The statistics of Eq. 4-5: output changes under a perturbation, and the pair normaliser.

All functions take network outputs flattened to (B, K): B images, K output units (logits or
the activations of one layer). Two statistics over the images:

- ``"median"``: sum over units k of median_i (f(x'_i) - f(x_i))_k^2 (the authors' code),
- ``"mean"``: mean over i of ||f(x'_i) - f(x_i)||^2.

The normaliser is the same statistic of ||f(x_i) - f(x_j)||^2 over the pairs i != j.
Medians of an even number of values average the two middle ones.
"""

from __future__ import annotations

import torch

from diffeo_stability.errors import ConfigError

STATISTICS = ("median", "mean")


def median(values: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Median along `dim`, averaging the two middle values when their number is even.

    Selects with `kthvalue` on a contiguous copy whose last axis is `dim` (no full sort)."""
    size = values.shape[dim]
    rows = values.movedim(dim, -1).contiguous()
    lower = rows.kthvalue((size - 1) // 2 + 1, dim=-1).values
    if size % 2:
        return lower
    return (lower + rows.kthvalue(size // 2 + 1, dim=-1).values) / 2


def _check(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise ConfigError(f"statistic {statistic!r} unknown; allowed: {', '.join(STATISTICS)}")


def change(clean: torch.Tensor, perturbed: torch.Tensor, statistic: str) -> float:
    """Un-normalised D or G: the statistic over images of (f(x') - f(x))^2, both (B, K)."""
    _check(statistic)
    squared = (perturbed - clean).double().square()
    if statistic == "median":
        return float(median(squared, 0).sum())
    return float(squared.sum(1).mean())


def pair_distances(outputs: torch.Tensor) -> torch.Tensor:
    """||f(x_i) - f(x_j)||^2 for all pairs i < j, (B (B - 1) / 2,) float64, from (B, K)."""
    flat = outputs.double()
    sq_norms = flat.square().sum(1)
    gram = flat @ flat.T  # float64: the cancellation below keeps ~1e-12 relative accuracy
    rows, cols = torch.triu_indices(len(flat), len(flat), offset=1, device=flat.device)
    return (sq_norms[rows] + sq_norms[cols] - 2 * gram[rows, cols]).clamp_min(0)


def pair_norm(outputs: torch.Tensor, statistic: str) -> float:
    """Normaliser of Eq. 5: median or mean over pairs i != j of ||f(x_i) - f(x_j)||^2."""
    _check(statistic)
    distances = pair_distances(outputs)
    return float(median(distances) if statistic == "median" else distances.mean())
