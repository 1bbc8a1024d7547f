"""Max-entropy diffeomorphisms: law of the coefficients, resampling, magnitudes, bijectivity.

Statistical tests use fixed seeds and |z| < 5 bounds: deterministic, yet a wrong variance law
(e.g. T / sqrt(i^2 + j^2)), a missing mode or correlated batch entries moves z by > 20.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from diffeo_stability.diffeo import fields as D
from diffeo_stability.diffeo.interpolation import GAUSSIAN_SIGMA
from diffeo_stability.errors import ConfigError


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def kept_modes(c: float, cutoff: str) -> set[tuple[int, int]]:
    """Modes (i, j) enumerated directly from the rule."""
    rule = {"disk": lambda r2: r2 <= c**2, "code": lambda r2: math.sqrt(r2) < c + 0.5}[cutoff]
    top = int(c) + 2
    return {(i, j) for i in range(1, top) for j in range(1, top) if rule(i * i + j * j)}


# ------------------------------------------------------------------------------ sampling


@pytest.mark.parametrize(
    ("c", "cutoff", "expected"),
    [
        (3, "disk", {(1, 1), (1, 2), (2, 1), (2, 2)}),
        (3, "code", {(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)}),
    ],
)
def test_mode_tables_small_c(c, cutoff, expected):
    std = D.mode_std(c, cutoff)
    got = {(i + 1, j + 1) for i, j in std.nonzero().tolist()}
    assert got == expected
    for i, j in got:
        assert std[i - 1, j - 1].item() == pytest.approx(1 / math.sqrt(i * i + j * j))


@pytest.mark.parametrize(("c", "cutoff"), [(5.0, "disk"), (7.3, "code"), (10.0, "disk")])
def test_coefficient_variance_is_T_over_r2(c, cutoff):
    """sum C^2 / (T / r^2) over 2N draws of a kept mode is chi-square with 2N dof."""
    n_fields, T = 4000, 0.02
    coeffs = D.sample_coefficients(
        n_fields, T, c, cutoff=cutoff, generator=gen(1), dtype=torch.float64
    )
    modes = kept_modes(c, cutoff)
    m = coeffs.shape[-1]
    for i in range(1, m + 1):
        for j in range(1, m + 1):
            x = coeffs[:, :, i - 1, j - 1]
            if (i, j) not in modes:
                assert (x == 0).all()
                continue
            chi2 = (x**2).sum().item() / (T / (i * i + j * j))
            dof = 2 * n_fields
            assert abs(chi2 - dof) / math.sqrt(2 * dof) < 5, (i, j)
    assert len(modes) == int((coeffs[0, 0] != 0).sum())


def test_field_matches_the_mode_sum():
    """n * sum C_ij sin(i pi u) sin(j pi v) at u = x / (n - 1), v = y / (n - 1), both channels."""
    n = 9
    coeffs = D.sample_coefficients(
        3, 0.1, 4.0, cutoff="disk", generator=gen(2), dtype=torch.float64
    )
    field = D.field_from_coefficients(coeffs, n)
    u = torch.arange(n, dtype=torch.float64) / (n - 1)
    ref = torch.zeros(3, 2, n, n, dtype=torch.float64)
    for i, j in kept_modes(4.0, "disk"):
        basis = torch.sin(j * math.pi * u)[:, None] * torch.sin(i * math.pi * u)[None, :]
        ref += coeffs[:, :, i - 1, j - 1, None, None] * basis
    torch.testing.assert_close(field, n * ref, rtol=0, atol=1e-12)
    assert (field[:, :, [0, -1], :] == 0).all() and (field[:, :, :, [0, -1]] == 0).all()


def test_per_sample_temperature_and_zero_T():
    T = torch.tensor([0.0, 1e-3, 4e-3])
    coeffs = D.sample_coefficients(3, T, 6.0, generator=gen(3), dtype=torch.float64)
    assert (coeffs[0] == 0).all()
    base = D.sample_coefficients(3, 1.0, 6.0, generator=gen(3), dtype=torch.float64)
    torch.testing.assert_close(coeffs, base * T.double().sqrt()[:, None, None, None])
    assert (D.sample_displacement(5, 16, 0.0, 3.0) == 0).all()


def test_batch_entries_are_independent():
    """Correlation of the centre displacement of neighbouring batch entries and between the
    two components: |r| sqrt(N) < 5 (r = 1 if fields were shared)."""
    coeffs = D.sample_coefficients(8000, 1e-3, 5.0, generator=gen(4), dtype=torch.float64)
    s = torch.tensor([1.0, 0.0, -1.0, 0.0, 1.0], dtype=torch.float64)[: coeffs.shape[-1]]
    centre = torch.einsum("bkij,i,j->bk", coeffs, s, s)
    pairs = [(centre[0::2, 0], centre[1::2, 0]), (centre[:, 0], centre[:, 1])]
    for a, b in pairs:
        r = torch.corrcoef(torch.stack([a, b]))[0, 1].item()
        assert abs(r) * math.sqrt(a.numel()) < 5


def test_seeded_reproducibility_and_dtypes():
    a = D.sample_displacement(4, 16, 1e-3, 5.0, generator=gen(5))
    b = D.sample_displacement(4, 16, 1e-3, 5.0, generator=gen(5))
    c = D.sample_displacement(4, 16, 1e-3, 5.0, generator=gen(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.dtype == torch.float32 and a.shape == (4, 2, 16, 16)
    d64 = D.sample_displacement(4, 16, 1e-3, 5.0, generator=gen(5), dtype=torch.float64)
    assert d64.dtype == torch.float64


def test_bad_arguments_raise_config_errors():
    with pytest.raises(ConfigError):
        D.sample_displacement(2, 8, 1e-3, 3.0, cutoff="square")
    with pytest.raises(ConfigError):
        D.sample_displacement(2, 8, 1e-3, 1.0)
    with pytest.raises(ConfigError):
        D.sample_displacement(2, 8, -1.0, 3.0)
    with pytest.raises(ConfigError):
        D.deform(torch.rand(1, 1, 8, 8), torch.zeros(1, 2, 8, 8), "bicubic")


# ---------------------------------------------------------------------------- resampling


@pytest.mark.parametrize("interpolation", D.INTERPOLATIONS)
def test_zero_temperature_is_the_identity(interpolation):
    x = torch.rand(3, 2, 12, 12, generator=gen(7), dtype=torch.float64)
    out = D.deform(x, D.sample_displacement(3, 12, 0.0, 5.0, dtype=torch.float64), interpolation)
    if interpolation == "bilinear":  # grid_sample's coordinate normalisation: ~1e-15 here
        torch.testing.assert_close(out, x, rtol=0, atol=1e-12)
        assert D.smooth(x, interpolation) is x
    else:
        assert torch.equal(out, D.smooth(x, interpolation))
    if interpolation == "nearest":
        assert torch.equal(out, x)


@pytest.mark.parametrize("interpolation", D.INTERPOLATIONS)
def test_integer_shift_is_an_exact_pixel_shift(interpolation):
    """Constant displacement (du, dv) = (2, -1): out[y, x] = x[y + 1, x - 2] away from the
    border (the Gaussian version equals the shifted smoothed image)."""
    x = torch.rand(2, 3, 20, 20, generator=gen(8))
    disp = torch.zeros(2, 2, 20, 20)
    disp[:, 0], disp[:, 1] = 2.0, -1.0
    out = D.deform(x, disp, interpolation)
    ref = D.smooth(x, interpolation)
    inner, shifted = out[..., 4:-4, 4:-4], ref[..., 5:-3, 2:-6]
    if interpolation == "nearest":
        assert torch.equal(inner, shifted)
    else:  # bilinear: exact up to grid_sample's coordinate normalisation in float32
        torch.testing.assert_close(inner, shifted, rtol=0, atol=1e-5)


def clamped_bilinear(x: torch.Tensor, disp: torch.Tensor) -> torch.Tensor:
    """The four-neighbour formula at the clamped sample points, written out per pixel."""
    n = x.shape[-1]
    pos = torch.arange(n, dtype=x.dtype)
    xs = (pos - disp[:, 0]).clamp(0, n - 1)
    ys = (pos[:, None] - disp[:, 1]).clamp(0, n - 1)
    x0, y0 = xs.floor().long(), ys.floor().long()
    x1, y1 = (x0 + 1).clamp(max=n - 1), (y0 + 1).clamp(max=n - 1)
    fx, fy = (xs - x0)[:, None], (ys - y0)[:, None]
    b = torch.arange(len(x))[:, None, None]

    def at(yy: torch.Tensor, xx: torch.Tensor) -> torch.Tensor:
        return x[b, :, yy, xx].permute(0, 3, 1, 2)  # (B, C, n, n)

    top = (1 - fx) * at(y0, x0) + fx * at(y0, x1)
    return (1 - fy) * top + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1))


@pytest.mark.parametrize(("dtype", "atol"), [(torch.float32, 1e-5), (torch.float64, 1e-12)])
def test_bilinear_equals_the_clamped_four_neighbour_formula(dtype, atol):
    """deform uses grid_sample; it must equal the clamped bilinear definition."""
    n = 16
    x = torch.rand(4, 3, n, n, generator=gen(9), dtype=dtype)
    disp = 3 * torch.randn(4, 2, n, n, generator=gen(10), dtype=dtype)
    torch.testing.assert_close(
        D.deform(x, disp, "bilinear"), clamped_bilinear(x, disp), rtol=0, atol=atol
    )


def test_nearest_matches_grid_sample():
    n = 16
    x = torch.rand(4, 3, n, n, generator=gen(9), dtype=torch.float64)
    disp = 3 * torch.randn(4, 2, n, n, generator=gen(10), dtype=torch.float64)
    pos = torch.arange(n, dtype=torch.float64)
    xs = (pos - disp[:, 0]).clamp(0, n - 1)
    ys = (pos[:, None] - disp[:, 1]).clamp(0, n - 1)
    grid = torch.stack([xs, ys], -1) * 2 / (n - 1) - 1
    ref_nearest = F.grid_sample(x, grid, mode="nearest", align_corners=True)
    torch.testing.assert_close(D.deform(x, disp, "nearest"), ref_nearest, rtol=0, atol=0)


def dense_gaussian(x: torch.Tensor, disp: torch.Tensor) -> torch.Tensor:
    """The dense formula: sum over all n^2 pixels q of x(q) g(q - s) / sum g, float64."""
    b, ch, h, w = x.shape
    pos = torch.arange(h, dtype=torch.float64)
    xs = (pos - disp[:, 0].double()).clamp(0, w - 1).reshape(b, -1, 1)
    ys = (pos[:, None] - disp[:, 1].double()).clamp(0, h - 1).reshape(b, -1, 1)
    qy, qx = torch.meshgrid(pos, pos, indexing="ij")
    d2 = (qx.reshape(1, 1, -1) - xs) ** 2 + (qy.reshape(1, 1, -1) - ys) ** 2
    weights = torch.exp(-d2 / (2 * GAUSSIAN_SIGMA**2))
    weights = weights / weights.sum(-1, keepdim=True)  # (B, n^2 outputs, n^2 sources)
    return torch.einsum("bpq,bcq->bcp", weights, x.double().flatten(2)).reshape(b, ch, h, w)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gaussian_window_equals_dense_formula(dtype):
    n, b = 14, 70  # more images than one resampling chunk
    x = torch.rand(b, 2, n, n, generator=gen(11), dtype=dtype)
    disp = 2.5 * torch.randn(b, 2, n, n, generator=gen(12), dtype=dtype)
    ref = dense_gaussian(x, disp)
    assert (D.deform(x, disp, "gaussian").double() - ref).abs().max() < 1e-5
    zero = torch.zeros_like(disp)
    assert (D.smooth(x, "gaussian").double() - dense_gaussian(x, zero)).abs().max() < 1e-5
    if dtype == torch.float64:
        assert (D.deform(x, disp, "gaussian") - ref).abs().max() < 1e-7


# ---------------------------------------------------------------------------- magnitudes


def test_temperature_delta_formulas():
    # METHODS.md: CIFAR (n = 32), T(delta = 1) for c = 3, 5, 15
    for c, T in [(3, 1.132e-3), (5, 7.73e-4), (15, 4.59e-4)]:
        assert D.temperature_from_delta(1.0, 32, c) == pytest.approx(T, rel=1e-3)
        assert D.delta_from_temperature(T, 32, c) == pytest.approx(1.0, rel=1e-3)
    t_min, t_max = D.temperature_range(32, 3)
    assert D.delta_from_temperature(t_min, 32, 3) == pytest.approx(0.5)
    assert t_max == pytest.approx(4 / (math.pi**3 * 9 * math.log(3)))


def test_exact_delta_approaches_the_asymptotic_formula():
    """delta^2 / (n^2 T) - (pi/4) ln c tends to a constant (pre-asymptotic term) as c grows:
    a wrong slope (e.g. pi/8) would change it by > 0.4 between c = 300 and 1000."""
    offset = [D.expected_delta(1.0, 1, c) ** 2 - math.pi / 4 * math.log(c) for c in (300, 1000)]
    assert abs(offset[0] - offset[1]) < 0.01
    ratio = D.expected_delta(1e-4, 32, 1000) / D.delta_from_temperature(1e-4, 32, 1000)
    assert 1 < ratio < 1.04


@pytest.mark.parametrize(("c", "cutoff"), [(3.0, "code"), (40.0, "disk")])
def test_measured_centre_displacement_matches_expected(c, cutoff):
    """Monte Carlo delta^2 over N fields: relative error of its mean < 5 / sqrt(N)."""
    n, samples = 32, 4000
    T = D.temperature_from_delta(1.0, n, c)
    measured = D.measured_delta(T, n, c, samples=samples, cutoff=cutoff, generator=gen(13))
    expected = D.expected_delta(T, n, c, cutoff)
    assert abs(measured**2 / expected**2 - 1) < 5 / math.sqrt(samples)
    if c > 10:  # large-c regime: the asymptotic formula holds to its pre-asymptotic term
        assert measured == pytest.approx(1.0, rel=0.1)


def test_centre_displacement_equals_the_centre_pixel_for_odd_n():
    n = 33
    coeffs = D.sample_coefficients(5, 1e-3, 9.0, generator=gen(14), dtype=torch.float64)
    pixel = D.field_from_coefficients(coeffs, n)[:, :, n // 2, n // 2].norm(dim=1)
    torch.testing.assert_close(D.centre_displacement(coeffs, n), pixel)


def test_grad_norm_parseval_matches_finite_differences():
    coeffs = D.sample_coefficients(2, 1e-3, 6.0, generator=gen(15), dtype=torch.float64)
    g = 801
    tau = D.field_from_coefficients(coeffs, g) / g  # tau on a g x g grid of [0, 1]^2
    dv, du = torch.gradient(tau, spacing=1 / (g - 1), dim=(2, 3))
    integrand = (du**2 + dv**2).sum(1)
    numeric = torch.trapezoid(torch.trapezoid(integrand, dx=1 / (g - 1)), dx=1 / (g - 1))
    torch.testing.assert_close(D.grad_norm_sq(coeffs), numeric, rtol=1e-3, atol=0)


def test_grad_norm_mean_is_pi3_over_8_c2_T():
    """E ||grad tau||^2 = (pi^2 / 2) T K exactly (K kept modes), -> (pi^3 / 8) c^2 T."""
    c, T, samples = 40.0, 1e-3, 400
    k_modes = len(kept_modes(c, "disk"))
    values = D.grad_norm_sq(
        D.sample_coefficients(samples, T, c, cutoff="disk", generator=gen(16), dtype=torch.float64)
    )
    mean = math.pi**2 / 2 * T * k_modes
    # each draw is (pi^2 T / 4) chi-square(2K): relative std 1 / sqrt(K) per draw
    assert abs(values.mean().item() / mean - 1) < 5 / math.sqrt(k_modes * samples)
    assert values.mean().item() == pytest.approx(math.pi**3 / 8 * c**2 * T, rel=0.06)
    assert len(kept_modes(300.0, "disk")) == pytest.approx(math.pi * 300**2 / 4, rel=0.01)


# --------------------------------------------------------------------------- bijectivity


def test_jacobian_of_single_mode_and_bijectivity_threshold():
    """tau_u = C sin(pi u) sin(pi v): det = 1 - C pi cos(pi u) sin(pi v), min 1 - |C| pi."""
    coeffs = torch.zeros(2, 2, 1, 1, dtype=torch.float64)
    coeffs[:, 0, 0, 0] = torch.tensor([0.9, 1.1]) / math.pi
    det = D.jacobian_determinant(coeffs, 65)
    u = torch.linspace(0, 1, 65, dtype=torch.float64)
    ref = 1 - coeffs[:, 0, 0, 0, None, None] * math.pi * torch.cos(math.pi * u) * torch.sin(
        math.pi * u[:, None]
    )
    torch.testing.assert_close(det, ref)
    assert D.is_bijective(coeffs).tolist() == [True, False]


def test_jacobian_matches_finite_differences():
    coeffs = D.sample_coefficients(
        2, 0.01, 5.0, cutoff="disk", generator=gen(17), dtype=torch.float64
    )
    g = 401
    phi_u = (
        torch.linspace(0, 1, g, dtype=torch.float64)
        - D.field_from_coefficients(coeffs, g)[:, 0] / g
    )
    phi_v = (
        torch.linspace(0, 1, g, dtype=torch.float64)[:, None]
        - D.field_from_coefficients(coeffs, g)[:, 1] / g
    )
    uv, uu = torch.gradient(phi_u, spacing=1 / (g - 1), dim=(1, 2))
    vv, vu = torch.gradient(phi_v, spacing=1 / (g - 1), dim=(1, 2))
    numeric = uu * vv - uv * vu
    torch.testing.assert_close(D.jacobian_determinant(coeffs, g), numeric, rtol=0, atol=1e-3)


def test_bijectivity_probability_limits():
    c = 5.0
    _, t_max = D.temperature_range(32, c)
    assert D.bijectivity_probability(0.0, c, samples=50) == 1.0
    assert D.bijectivity_probability(t_max / 20, c, samples=200, generator=gen(18)) == 1.0
    assert D.bijectivity_probability(t_max * 50, c, samples=200, generator=gen(19)) < 0.05


def test_bijectivity_curve_equals_pointwise_probability():
    temps = [1e-4, 2e-3, 5e-3, 1e-2, 3e-2]
    curve = D.bijectivity_probabilities(temps, 4.0, samples=200, generator=gen(20))
    pointwise = [D.bijectivity_probability(t, 4.0, samples=200, generator=gen(20)) for t in temps]
    assert curve.tolist() == pytest.approx(pointwise, abs=1e-12)
    assert curve[0] == 1.0 and curve[-1] < 0.5 and (curve.diff() <= 0).all()


def test_conventions_quote_the_exact_displacement_at_delta_one():
    """docs/conventions.md's row T(delta) quotes expected_delta at the T of delta = 1."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "conventions.md").read_text()
    exact = {c: D.expected_delta(D.temperature_from_delta(1.0, 32, c), 32, c) for c in (3, 5, 15)}
    quoted = f"{exact[3]:.2f} px at c = 3, {exact[5]:.2f} at c = 5 and {exact[15]:.2f} at c = 15"
    assert quoted in text
