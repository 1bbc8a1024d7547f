"""Measurements on the stripe model: relative stability R_f (Eq. 6) and weight alignment.

x_parallel is coordinate 0, x_perp coordinates 1..d-1.

R_f = <|f(x_par, x_perp + nu) - f(x)|^2> / <|f(x + eta) - f(x)|^2>, with nu isotropic in the
d - 1 invariant directions, eta isotropic in all d directions and ||nu|| = ||eta|| = noise.
With this normalisation a function of |x|^2, or the linear function sum_i x_i, has R_f = 1
and a function of x_1 alone has R_f = 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def sphere_noise(
    n: int, d: int, norm: float, generator: torch.Generator, dtype: torch.dtype, perp_only: bool
) -> torch.Tensor:
    """n vectors uniform on the sphere of radius `norm`, shape (n, d); zero on x_1 if perp_only."""
    z = torch.randn(n, d, generator=generator, dtype=dtype)
    if perp_only:
        z[:, 0] = 0
    return norm * z / z.norm(dim=1, keepdim=True)


def relative_stability(
    f: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    noise: float,
    generator: torch.Generator,
) -> dict[str, float]:
    """R_f of f (maps (N, d) -> (N,)) on points x (N, d), one nu and one eta per point.

    Returns R (the ratio), D (perp-only numerator) and G (isotropic denominator), output units^2.
    """
    n, d = x.shape
    nu = sphere_noise(n, d, noise, generator, x.dtype, perp_only=True)
    eta = sphere_noise(n, d, noise, generator, x.dtype, perp_only=False)
    with torch.no_grad():
        f_x = f(x)
        num = float(((f(x + nu) - f_x) ** 2).mean())
        den = float(((f(x + eta) - f_x) ** 2).mean())
    return {"R": num / den, "D": num, "G": den}


def alignment_perp(w: torch.Tensor, beta: torch.Tensor) -> float:
    """Fraction of first-layer weight norm in x_perp, sqrt(sum_n beta_n^2 |w_n,perp|^2 / ...).

    w: (h, d) first-layer weights, beta: (h,) output weights; each neuron is weighted by
    |beta_n| so that neurons that do not contribute to f do not count. 1 - 1/(2d) at random
    initialisation, 0 for weights aligned with x_1.
    """
    rows = beta.abs()[:, None] * w
    return float(rows[:, 1:].norm() / rows.norm())
