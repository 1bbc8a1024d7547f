"""Item 5 of the slides: what a diffeo is made of (no network).

Each sampled field tau (the max-entropy ensemble of `diffeo.fields`, at the probe's delta for
each cut-off c) is split, at every point of the n x n pixel grid, into its local translation
tau and the three parts of its gradient U = grad tau (U[a, b] = d tau_a / d u_b, u in [0, 1]):

    U = C + S + R,  C = (1/2) I tr U  (compression),  S = (1/2)(U + U^T - I tr U)  (pure
    shear),  R = (1/2)(U - U^T)  (rotation);
    ||C||_F^2 = (tr U)^2 / 2,  ||S||_F^2 = ((U_uu - U_vv)^2 + (U_uv + U_vu)^2) / 2,
    ||R||_F^2 = (U_uv - U_vu)^2 / 2.

Norms are averaged over the grid (<.>_{u,v}) and then over fields. Three references per part:

- `exact`: the ensemble expectation of the same grid average, a sum over the kept modes
  (sigma_ij^2 = T / (i^2 + j^2)): <||tau||^2> = 2 n^2 sum sigma^2 <s_i^2><s_j^2> (pixels^2),
  E||C||^2 = E||R||^2 = a and E||S||^2 = 2 a with a = sum sigma^2 (i pi)^2 <c_i^2><s_j^2>
  (s_i = sin(i pi u), c_i = cos(i pi u), <.> the grid mean);
- `slides`: the slides' asymptotics, delta^2 = (pi/4) n^2 T ln c, <||S||^2> = (pi^2/16) c^2 T,
  <||C||^2> = <||R||^2> = (pi^2/32) c^2 T. For large c the mode count is pi c^2 / 4, so
  a -> (pi^2 / 8) T (pi c^2 / 4) = (pi^3/32) c^2 T: the slides' gradient asymptotics are a
  factor pi below the ensemble's (docs/conventions.md); delta^2 approaches its form only
  logarithmically (the lattice sum of 1/(i^2 + j^2) is (pi/2) ln c + O(1)).

The non-translation part on a square patch of p pixels, <||tau - <tau>_patch||^2> (pixels^2,
averaged over every patch position on the grid), is compared with its linear (small-patch)
prediction (n / (n - 1))^2 <||U||_F^2> (p^2 - 1) / 12: the pixel-grid gradient times the
variance of a pixel's position in the patch along each axis.
"""

from __future__ import annotations

import math

import pandas as pd
import torch
import torch.nn.functional as F

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.mechanisms.linear_parts import squared_norms
from diffeo_stability.mechanisms.settings import DiffeoPartsSettings

GRADIENT_PARTS = ("compression", "shear", "rotation")
#: fields per batch (float64 gradients: 2 x 2 x n x n values each)
_CHUNK = 256


def part_norms(coeffs: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
    """Per field (B,), grid means over the n x n pixel grid: squared norms `translation`
    (pixels^2), `compression`, `shear`, `rotation` (dimensionless, ||.||_F^2), and the norms
    without the square (`*_norm`)."""
    tau = diffeo.field_from_coefficients(coeffs, n)  # (B, 2, n, n) pixels
    U = diffeo.displacement_gradient(coeffs, n)  # (B, 2, 2, n, n)
    squares = {"translation": tau.square().sum(1)} | squared_norms(U.permute(0, 3, 4, 1, 2))
    out = {name: value.mean((-2, -1)) for name, value in squares.items()}
    out |= {f"{name}_norm": value.sqrt().mean((-2, -1)) for name, value in squares.items()}
    return out


def non_translation(coeffs: torch.Tensor, n: int, p: int) -> torch.Tensor:
    """Per field (B,): <||tau - <tau>_patch||^2> in pixels^2 over every p x p patch position."""
    tau = diffeo.field_from_coefficients(coeffs, n)
    mean_sq = F.avg_pool2d(tau.square(), p, stride=1).sum(1)
    sq_mean = F.avg_pool2d(tau, p, stride=1).square().sum(1)
    return (mean_sq - sq_mean).mean((-2, -1))


def exact_norms(c: float, T: float, n: int, cutoff: str) -> dict[str, float]:
    """The ensemble expectations of the grid means of `part_norms` (see the module)."""
    variance = diffeo.mode_std(c, cutoff).square() * T  # (m, m), [i - 1, j - 1]
    m = variance.shape[0]
    u = torch.linspace(0.0, 1.0, n, dtype=torch.float64)
    k = torch.arange(1, m + 1, dtype=torch.float64)
    phase = math.pi * k[:, None] * u[None, :]
    sin2 = phase.sin().square().mean(1)  # (m,)
    dcos2 = (math.pi * k) ** 2 * phase.cos().square().mean(1)
    a = float((variance * dcos2[:, None] * sin2[None, :]).sum())
    translation = 2 * n**2 * float((variance * sin2[:, None] * sin2[None, :]).sum())
    return {"translation": translation, "compression": a, "shear": 2 * a, "rotation": a}


def slides_norms(c: float, T: float, n: int) -> dict[str, float]:
    """The slides' asymptotic forms (see the module)."""
    grad = math.pi**2 / 32 * c**2 * T
    translation = math.pi / 4 * n**2 * T * math.log(c)
    return {"translation": translation, "compression": grad, "shear": 2 * grad, "rotation": grad}


def measure_parts(
    settings: DiffeoPartsSettings, *, delta: float, cutoff: str, seed: int = 0
) -> pd.DataFrame:
    """One row per (c, part): c, T, part, patch (0: whole grid), measured (mean over fields of
    the grid-mean squared norm), stderr (its standard error), measured_norm (mean norm without the
    square; NaN for patches), exact, slides, linear (patches: the small-patch prediction)."""
    n, rows = settings.size, []
    generator = torch.Generator().manual_seed(seed)
    for c in settings.cutoffs:
        T = diffeo.temperature_from_delta(delta, n, c)
        sums: dict[str, list[torch.Tensor]] = {}
        for start in range(0, settings.samples, _CHUNK):
            size = min(_CHUNK, settings.samples - start)
            coeffs = diffeo.sample_coefficients(
                size, T, c, cutoff=cutoff, generator=generator, dtype=torch.float64
            )
            values = part_norms(coeffs, n)
            values |= {f"patch{p}": non_translation(coeffs, n, p) for p in settings.patch_sizes}
            for name, value in values.items():
                sums.setdefault(name, []).append(value)
        per_field = {name: torch.cat(parts) for name, parts in sums.items()}
        exact, slides = exact_norms(c, T, n, cutoff), slides_norms(c, T, n)
        common = {"c": float(c), "T": T, "delta": delta, "size": n, "samples": settings.samples}
        for part in ("translation", *GRADIENT_PARTS):
            value = per_field[part]
            rows.append(
                common
                | {
                    "part": part,
                    "patch": 0,
                    "measured": float(value.mean()),
                    "stderr": float(value.std() / math.sqrt(len(value))),
                    "measured_norm": float(per_field[f"{part}_norm"].mean()),
                    "exact": exact[part],
                    "slides": slides[part],
                    "linear": math.nan,
                }
            )
        gradient_sq = sum(float(per_field[part].mean()) for part in GRADIENT_PARTS)
        for p in settings.patch_sizes:
            value = per_field[f"patch{p}"]
            linear = (n / (n - 1)) ** 2 * gradient_sq * (p**2 - 1) / 12
            rows.append(
                common
                | {
                    "part": "non_translation",
                    "patch": p,
                    "measured": float(value.mean()),
                    "stderr": float(value.std() / math.sqrt(len(value))),
                    "measured_norm": math.nan,
                    "exact": math.nan,
                    "slides": math.nan,
                    "linear": linear,
                }
            )
    return pd.DataFrame(rows)
