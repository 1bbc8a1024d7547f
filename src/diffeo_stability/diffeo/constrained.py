"""Fields of the ensemble's typical size: mode amplitudes on the sphere of the ensemble's norm.

The ensemble draws C_ij ~ N(0, T / (i^2 + j^2)) independently for both components, so the norm

    N(C) = sum over both components and the kept modes of (i^2 + j^2) C_ij^2 / T

is a chi-square with 2 M degrees of freedom (M kept modes per component): its mean is 2 M, and
||grad tau||^2 = (pi^2 / 4) T N(C) (`fields.grad_norm_sq`) has its ensemble mean exactly when
N(C) = 2 M. The set {N(C) = 2 M} is a sphere of radius sqrt(2 M) in the whitened amplitudes
z_ij = C_ij sqrt((i^2 + j^2) / T), stored like the coefficients as (B, 2, m, m) tensors that are
zero outside the cut-off. No network here: the adversarial search is `probe.adversarial`.
"""

from __future__ import annotations

import math

import torch

from diffeo_stability.diffeo.fields import mode_std
from diffeo_stability.diffeo.names import DEFAULT_CUTOFF_RULE


def mode_mask(
    c: float, cutoff: str = DEFAULT_CUTOFF_RULE, device: torch.device | None = None
) -> torch.Tensor:
    """Kept modes as a float (m, m) mask of ones and zeros, entry [i - 1, j - 1]."""
    return (mode_std(c, cutoff) > 0).to(device=device, dtype=torch.float32)


def typical_radius(c: float, cutoff: str = DEFAULT_CUTOFF_RULE) -> float:
    """sqrt(2 M): the radius of the whitened amplitudes whose norm N(C) is the ensemble mean."""
    return math.sqrt(2 * float(mode_mask(c, cutoff).sum()))


def coefficients_from_whitened(
    z: torch.Tensor, T: float, c: float, cutoff: str = DEFAULT_CUTOFF_RULE
) -> torch.Tensor:
    """C_ij = z_ij sqrt(T / (i^2 + j^2)) inside the cut-off, 0 outside; z (B, 2, m, m)."""
    return z * mode_std(c, cutoff, z.device, z.dtype) * math.sqrt(T)


def ensemble_norm(
    coeffs: torch.Tensor, T: float, c: float, cutoff: str = DEFAULT_CUTOFF_RULE
) -> torch.Tensor:
    """N(C) = sum (i^2 + j^2) C_ij^2 / T over both components and the kept modes, shape (B,)."""
    std = mode_std(c, cutoff, coeffs.device, torch.float64)
    inverse_variance = torch.where(std > 0, 1 / std.clamp_min(1e-300) ** 2, 0.0)
    return (coeffs.double().square() * inverse_variance).sum(dim=(1, 2, 3)) / T


def onto_sphere(values: torch.Tensor, radius: torch.Tensor | float) -> torch.Tensor:
    """Each row of `values` (B, ...) rescaled to the norm `radius` (scalar or (B,)); a zero
    row stays zero."""
    norms = values.flatten(1).norm(dim=1)
    scale = torch.as_tensor(radius, dtype=values.dtype, device=values.device) / norms.clamp_min(
        torch.finfo(values.dtype).tiny
    )
    return values * scale.view(-1, *([1] * (values.dim() - 1)))
