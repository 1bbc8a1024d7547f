"""Maximum-entropy diffeomorphisms (paper Section 2): sampling, magnitudes, bijectivity.

A field is tau = (tau_u, tau_v) on [0, 1]^2 with, independently for both components,

    tau_u(u, v) = sum_{i, j >= 1} C_ij sin(i pi u) sin(j pi v),   C_ij ~ N(0, T / (i^2 + j^2)),

keeping the modes sqrt(i^2 + j^2) < c + 0.5 (cut-off rule ``"code"``, the authors' library,
default) or i^2 + j^2 <= c^2 (``"disk"``, the paper's text).

Grid convention: pixel k (0-based, along either axis) of an n-pixel image sits at
u_k = k / (n - 1), a linspace over [0, 1] with n points as in the authors' library, so the
border pixels never move and border clamping is rarely needed. Displacements are returned in
pixels as n * tau (the authors' scaling, which the delta formula refers to). Channel 0 of a
displacement field moves along u (image columns, last tensor axis), channel 1 along v (rows).

Coefficients are stored as dense (B, 2, m, m) tensors indexed [b, component, i - 1, j - 1],
i the u-mode and j the v-mode, zero outside the cut-off; fields on a grid are two batched
matmuls with a cached sine table, so sampling costs O(B m n^2) with no per-image loop.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import lru_cache

import torch

from diffeo_stability.diffeo.interpolation import deform, smooth
from diffeo_stability.diffeo.names import CUTOFF_RULES, DEFAULT_CUTOFF_RULE, INTERPOLATIONS
from diffeo_stability.errors import ConfigError

__all__ = [
    "CUTOFF_RULES",
    "DEFAULT_CUTOFF_RULE",
    "INTERPOLATIONS",
    "bijectivity_probabilities",
    "bijectivity_probability",
    "centre_displacement",
    "deform",
    "delta_from_temperature",
    "displacement_gradient",
    "expected_delta",
    "field_from_coefficients",
    "grad_norm_sq",
    "gradient_invariants",
    "is_bijective",
    "jacobian_determinant",
    "measured_delta",
    "mode_std",
    "sample_coefficients",
    "sample_displacement",
    "smooth",
    "temperature_from_delta",
    "temperature_range",
]


def _max_mode(c: float, cutoff: str) -> int:
    """Largest mode index i (or j) kept by the cut-off rule."""
    if cutoff not in CUTOFF_RULES:
        raise ConfigError(f"cutoff {cutoff!r} unknown; allowed: {', '.join(CUTOFF_RULES)}")
    if not c > 1:
        raise ConfigError(f"cut-off c must be > 1, got {c!r}")
    return math.floor(c) if cutoff == "disk" else math.ceil(c + 0.5) - 1


@lru_cache(maxsize=64)
def mode_std(
    c: float,
    cutoff: str = DEFAULT_CUTOFF_RULE,
    device: torch.device | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """Per-mode standard deviation at T = 1, shape (m, m): 1 / sqrt(i^2 + j^2) inside the
    cut-off, 0 outside; entry [i - 1, j - 1]."""
    m = _max_mode(c, cutoff)
    k = torch.arange(1, m + 1, dtype=torch.float64)
    r2 = k[:, None] ** 2 + k[None, :] ** 2
    kept = r2 <= c**2 if cutoff == "disk" else r2.sqrt() < c + 0.5
    if not bool(kept.any()):
        raise ConfigError(
            f"cut-off c = {c!r} ({cutoff}) keeps no mode; the mode (1, 1) needs "
            "c >= sqrt(2) for 'disk'"
        )
    m = int(kept.any(dim=1).nonzero().max()) + 1  # drop rows/columns with no kept mode
    return (kept / r2.sqrt())[:m, :m].to(device=device, dtype=dtype)


@lru_cache(maxsize=64)
def _sine_table(m: int, n: int, device: torch.device | None, dtype: torch.dtype) -> torch.Tensor:
    """sin(i pi u_k) for i = 1..m and u_k = k / (n - 1), shape (m, n), computed in float64;
    the border columns are exactly 0 so border pixels never move."""
    u = torch.linspace(0.0, 1.0, n, dtype=torch.float64)
    i = torch.arange(1, m + 1, dtype=torch.float64)
    table = torch.sin(math.pi * i[:, None] * u[None, :])
    table[:, [0, -1]] = 0.0
    return table.to(device=device, dtype=dtype)


def _as_batch_temperature(
    T: float | torch.Tensor, batch: int, device: torch.device | None, dtype: torch.dtype
) -> torch.Tensor:
    """T as a (batch,) tensor; checks that it is finite and non-negative."""
    t = torch.as_tensor(T, dtype=dtype, device=device)
    if t.dim() == 0:
        t = t.expand(batch)
    if t.shape != (batch,):
        raise ConfigError(f"T must be a scalar or have shape ({batch},), got {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()) or bool((t < 0).any()):
        raise ConfigError("temperature T must be finite and >= 0")
    return t


def sample_coefficients(
    batch: int,
    T: float | torch.Tensor,
    c: float,
    *,
    cutoff: str = DEFAULT_CUTOFF_RULE,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Independent coefficients C for `batch` fields, shape (batch, 2, m, m), in units of the
    [0, 1] domain; C[b, :, i-1, j-1] ~ N(0, T_b / (i^2 + j^2)) inside the cut-off, else 0."""
    device = torch.device(device) if device is not None else None
    std = mode_std(c, cutoff, device, dtype)
    t = _as_batch_temperature(T, batch, device, dtype)
    m = std.shape[0]
    z = torch.randn((batch, 2, m, m), generator=generator, device=device, dtype=dtype)
    return z * std * t.sqrt()[:, None, None, None]


def field_from_coefficients(coeffs: torch.Tensor, n: int) -> torch.Tensor:
    """Displacement in pixels, n * tau on the n x n pixel grid, shape (B, 2, n, n)."""
    s = _sine_table(coeffs.shape[-1], n, coeffs.device, coeffs.dtype)  # (m, n)
    # tau[b, k, y, x] = sum_ij C[b, k, i, j] s[i, x] s[j, y]
    partial = coeffs.transpose(-1, -2) @ s  # (B, 2, j, x)
    return (s.T @ partial) * n


def sample_displacement(
    batch: int,
    n: int,
    T: float | torch.Tensor,
    c: float,
    *,
    cutoff: str = DEFAULT_CUTOFF_RULE,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """`batch` independent displacement fields in pixels, shape (batch, 2, n, n); channel 0
    along u (columns), channel 1 along v (rows). T is a scalar or one value per field."""
    coeffs = sample_coefficients(
        batch, T, c, cutoff=cutoff, generator=generator, device=device, dtype=dtype
    )
    return field_from_coefficients(coeffs, n)


# ---------------------------------------------------------------------------- magnitudes


def delta_from_temperature(T: float, n: int, c: float) -> float:
    """Asymptotic (large c) r.m.s. centre displacement in pixels, delta^2 = (pi/4) n^2 T ln c."""
    return math.sqrt(math.pi / 4 * n**2 * T * math.log(c))


def temperature_from_delta(delta: float, n: int, c: float) -> float:
    """Inverse of `delta_from_temperature`: T = 4 delta^2 / (pi n^2 ln c)."""
    return 4 * delta**2 / (math.pi * n**2 * math.log(c))


def temperature_range(n: int, c: float) -> tuple[float, float]:
    """(T_min, T_max): T_min = 1 / (pi n^2 ln c) gives delta = 1/2; T_max = 4 / (pi^3 c^2 ln c)
    is the scale where overhangs (non-bijective maps) appear."""
    log_c = math.log(c)
    return 1 / (math.pi * n**2 * log_c), 4 / (math.pi**3 * c**2 * log_c)


def expected_delta(T: float, n: int, c: float, cutoff: str = DEFAULT_CUTOFF_RULE) -> float:
    """Exact r.m.s. centre displacement in pixels at finite c (the pre-asymptotic delta):
    delta^2 = 2 n^2 T sum_{i, j odd, kept} 1 / (i^2 + j^2)."""
    std = mode_std(c, cutoff)
    odd = torch.arange(1, std.shape[0] + 1) % 2 == 1
    return math.sqrt(2 * n**2 * T * float((std[odd][:, odd] ** 2).sum()))


def centre_displacement(coeffs: torch.Tensor, n: int) -> torch.Tensor:
    """Length in pixels of n * tau(1/2, 1/2) for each field, shape (B,)."""
    m = coeffs.shape[-1]
    s = torch.sin(torch.arange(1, m + 1, dtype=torch.float64) * math.pi / 2).round()
    s = s.to(device=coeffs.device, dtype=coeffs.dtype)
    tau = torch.einsum("bkij,i,j->bk", coeffs, s, s)
    return n * tau.norm(dim=1)


def _float64_batches(
    samples: int, T: float, c: float, cutoff: str, generator: torch.Generator | None, chunk: int
) -> Iterator[torch.Tensor]:
    """Coefficients of `samples` independent fields in float64 on the CPU, `chunk` at a time."""
    for start in range(0, samples, chunk):
        size = min(chunk, samples - start)
        yield sample_coefficients(
            size, T, c, cutoff=cutoff, generator=generator, dtype=torch.float64
        )


def measured_delta(
    T: float,
    n: int,
    c: float,
    *,
    samples: int = 10_000,
    cutoff: str = DEFAULT_CUTOFF_RULE,
    generator: torch.Generator | None = None,
    chunk: int = 1024,
) -> float:
    """Monte Carlo r.m.s. centre displacement in pixels over `samples` fields (float64)."""
    total = sum(
        float(centre_displacement(coeffs, n).pow(2).sum())
        for coeffs in _float64_batches(samples, T, c, cutoff, generator, chunk)
    )
    return math.sqrt(total / samples)


def grad_norm_sq(coeffs: torch.Tensor) -> torch.Tensor:
    """||grad tau||^2 = int_[0,1]^2 |grad tau_u|^2 + |grad tau_v|^2 du dv, exactly from the
    coefficients (Parseval): (pi^2 / 4) sum (i^2 + j^2) C_ij^2; shape (B,), dimensionless."""
    m = coeffs.shape[-1]
    k = torch.arange(1, m + 1, device=coeffs.device, dtype=coeffs.dtype)
    r2 = k[:, None] ** 2 + k[None, :] ** 2
    return math.pi**2 / 4 * (coeffs.pow(2) * r2).sum(dim=(1, 2, 3))


def displacement_gradient(coeffs: torch.Tensor, grid: int) -> torch.Tensor:
    """The 2x2 matrix U = grad tau, U[a, b] = d tau_a / d u_b (a, b: 0 = u, 1 = v), on a
    grid x grid linspace of [0, 1]^2, computed analytically from the coefficients; shape
    (B, 2, 2, grid, grid) indexed [b, a, b', v, u], dimensionless, scaling as sqrt(T)."""
    m = coeffs.shape[-1]
    u = torch.linspace(0.0, 1.0, grid, dtype=coeffs.dtype, device=coeffs.device)
    k = torch.arange(1, m + 1, dtype=coeffs.dtype, device=coeffs.device)
    phase = math.pi * k[:, None] * u[None, :]  # (m, grid)
    s, ds = phase.sin(), math.pi * k[:, None] * phase.cos()  # sin and d/du sin
    # [b, a, v, u] = sum_ij C[b, a, i, j] f[i, u] g[j, v] as two matmuls
    d_du = s.T @ (coeffs.transpose(-1, -2) @ ds)
    d_dv = ds.T @ (coeffs.transpose(-1, -2) @ s)
    return torch.stack((d_du, d_dv), dim=2)


def gradient_invariants(coeffs: torch.Tensor, grid: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Trace and determinant of the 2x2 matrix grad tau on a grid x grid linspace of [0, 1]^2,
    computed analytically from the coefficients; each of shape (B, grid, grid), indexed [b, v, u].
    Both scale with T: trace as sqrt(T), determinant as T."""
    U = displacement_gradient(coeffs, grid)
    trace = U[:, 0, 0] + U[:, 1, 1]
    return trace, U[:, 0, 0] * U[:, 1, 1] - U[:, 0, 1] * U[:, 1, 0]


def jacobian_determinant(coeffs: torch.Tensor, grid: int) -> torch.Tensor:
    """det of the Jacobian I - grad tau of s -> s - tau(s) on a grid x grid linspace of
    [0, 1]^2: 1 - tr(grad tau) + det(grad tau); shape (B, grid, grid) indexed [b, v, u]."""
    trace, det = gradient_invariants(coeffs, grid)
    return 1 - trace + det


def _default_grid(coeffs: torch.Tensor) -> int:
    """8 points per shortest half-wavelength 1/m, at least 64."""
    return max(64, 8 * coeffs.shape[-1] + 1)


def is_bijective(coeffs: torch.Tensor, grid: int | None = None) -> torch.Tensor:
    """Whether s -> s - tau(s) is a diffeomorphism of [0, 1]^2: Jacobian determinant > 0 at
    every point of a fine grid (default 8 points per shortest half-wavelength, at least 64).
    With tau = 0 on the frame, a positive determinant everywhere implies a global bijection.
    Returns a (B,) bool tensor."""
    det = jacobian_determinant(coeffs, grid or _default_grid(coeffs))
    return (det > 0).flatten(1).all(dim=1)


def bijectivity_probabilities(
    temperatures: Sequence[float],
    c: float,
    *,
    samples: int = 1000,
    cutoff: str = DEFAULT_CUTOFF_RULE,
    generator: torch.Generator | None = None,
    grid: int | None = None,
    chunk: int = 128,
) -> torch.Tensor:
    """Monte Carlo probability that a field is a diffeomorphism, for each T (float64, shape
    (len(temperatures),)); the same `samples` fields, drawn at T = 1, are rescaled to every T.

    With M = grad tau at T = 1 and real eigenvalues l1 >= l2, det(I - t M) = (1 - t l1)(1 - t l2)
    is <= 0 exactly for t = sqrt(T) in [1/l1, 1/l2] (l2 > 0) or [1/l1, inf) (l1 > 0 >= l2);
    a field is bijective at T when sqrt(T) lies in none of its grid points' intervals, which is
    `is_bijective` at that T, evaluated for all T at once with a sorted search."""
    temps = torch.as_tensor(temperatures, dtype=torch.float64)
    t_query, order = temps.sqrt().sort()
    hits = torch.zeros(len(temps), dtype=torch.float64)
    for coeffs in _float64_batches(samples, 1.0, c, cutoff, generator, chunk):
        trace, det = gradient_invariants(coeffs, grid or _default_grid(coeffs))
        trace, det = trace.flatten(1), det.flatten(1)
        root = (trace**2 - 4 * det).clamp(min=0).sqrt()
        real = trace**2 - 4 * det >= 0
        l1, l2 = (trace + root) / 2, (trace - root) / 2
        inf = torch.full_like(l1, math.inf)
        lo = torch.where(real & (l1 > 0), 1 / l1, inf)
        hi = torch.where(real & (l2 > 0), 1 / l2, inf)
        cover = torch.zeros(coeffs.shape[0], len(temps) + 1, dtype=torch.float64)
        cover.scatter_add_(1, torch.searchsorted(t_query, lo), torch.ones_like(lo))
        cover.scatter_add_(1, torch.searchsorted(t_query, hi, right=True), -torch.ones_like(hi))
        hits += (cover.cumsum(1)[:, :-1] == 0).sum(0).double()
    out = torch.empty_like(hits)
    out[order] = hits / samples
    return out


def bijectivity_probability(
    T: float,
    c: float,
    *,
    samples: int = 1000,
    cutoff: str = DEFAULT_CUTOFF_RULE,
    generator: torch.Generator | None = None,
    grid: int | None = None,
    chunk: int = 256,
) -> float:
    """Monte Carlo probability that a field at (T, c) is a diffeomorphism (float64)."""
    return float(
        bijectivity_probabilities(
            [T], c, samples=samples, cutoff=cutoff, generator=generator, grid=grid, chunk=chunk
        )[0]
    )
