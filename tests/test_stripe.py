"""Tests of the stripe model: labels, R_f with known answers, slope fit, short training."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from diffeo_stability.commands import stripe as stripe_cmd
from diffeo_stability.commands import stripe_table as table_cmd
from diffeo_stability.errors import ConfigError
from diffeo_stability.stripe.config import StripeConfig
from diffeo_stability.stripe.measure import alignment_perp, relative_stability
from diffeo_stability.stripe.model import (
    AlphaModel,
    StripeNet,
    run_stripe,
    sample_stripe,
    stripe_label,
    train,
)
from diffeo_stability.tables.fits import fit_power_law
from diffeo_stability.tables.stripe import COLUMNS as STRIPE_COLUMNS


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_labels_balanced():
    _, y = sample_stripe(200_000, 5, _gen(), torch.float64)
    p_plus = float((y > 0).double().mean())
    # binomial standard error sqrt(1/4 / 2e5) ~ 1.1e-3: allow 4 sigma
    assert abs(p_plus - 0.5) < 4.5e-3
    assert set(y.unique().tolist()) == {-1.0, 1.0}


def test_labels_depend_on_x1_only():
    x, y = sample_stripe(1000, 30, _gen(1), torch.float64)
    x_shuffled = x.clone()
    x_shuffled[:, 1:] = torch.randn(1000, 29, generator=_gen(2), dtype=torch.float64)
    assert torch.equal(stripe_label(x_shuffled), y)
    edges = torch.tensor([[-0.31], [-0.29], [1.185], [1.186]], dtype=torch.float64)
    assert stripe_label(edges).tolist() == [-1.0, 1.0, 1.0, -1.0]


def test_function_of_x1_has_zero_r():
    x = torch.randn(2000, 30, generator=_gen(3), dtype=torch.float64)
    out = relative_stability(lambda z: torch.sin(3 * z[:, 0]), x, 0.5, _gen(4))
    assert out["R"] == 0.0
    assert out["G"] > 0


def test_net_blind_to_x_perp_has_zero_r():
    net = StripeNet(30, 20, _gen(5), torch.float64)
    with torch.no_grad():
        net.w[:, 1:] = 0
    x = torch.randn(2000, 30, generator=_gen(6), dtype=torch.float64)
    assert relative_stability(net, x, 1.0, _gen(7))["R"] == 0.0
    assert alignment_perp(net.w.detach(), net.beta.detach()) == 0.0


@pytest.mark.parametrize("noise", [0.1, 2.0])
def test_isotropic_function_has_r_one(noise: float):
    # f = |x|^2: f(x + e) - f(x) = 2 x.e + |e|^2, so <(df)^2> = 4 <(x.e)^2> + |e|^4 (odd
    # moments of x vanish); <(x.e)^2> = |e|^2 <|x_S|^2> / dim S = |e|^2 both for e isotropic in
    # all d directions and for e isotropic in the d - 1 perp ones. Hence R_f = 1 for any noise.
    x = torch.randn(50_000, 30, generator=_gen(8), dtype=torch.float64)
    r = relative_stability(lambda z: (z**2).sum(1), x, noise, _gen(9))["R"]
    assert r == pytest.approx(1.0, abs=0.03)


def test_random_net_at_init_is_nearly_isotropic():
    net = StripeNet(30, 2000, _gen(10), torch.float64)
    x = torch.randn(20_000, 30, generator=_gen(11), dtype=torch.float64)
    assert relative_stability(net, x, 0.5, _gen(12))["R"] == pytest.approx(1.0, abs=0.06)
    expected = math.sqrt(29 / 30)
    assert alignment_perp(net.w.detach(), net.beta.detach()) == pytest.approx(expected, abs=0.01)


def test_slope_fit_recovers_exponent():
    rng = np.random.default_rng(0)
    p = np.logspace(2, 4, 9)
    r = 3.0 * p**-1.0 * np.exp(rng.normal(0, 0.05, p.size))
    fit = fit_power_law(p, r)
    assert fit.exponent == pytest.approx(-1.0, abs=0.05)
    assert fit.prefactor == pytest.approx(3.0, rel=0.3)


def test_short_training_fits_small_set():
    config = StripeConfig(d=5, P=64, h=50, alpha=1e-3, lr=0.5, max_steps=5000)
    gen = _gen(13)
    x, y = sample_stripe(config.P, config.d, gen, torch.float64)
    model = AlphaModel(StripeNet(config.d, config.h, gen, torch.float64), config.alpha)
    assert float((y * model(x) <= 0).double().mean()) > 0.2  # F = 0 at initialisation
    result = train(model, x, y, config)
    assert result.fitted and result.steps < config.max_steps
    assert result.train_error == 0.0
    with torch.no_grad():
        assert float((y * model(x)).min()) >= 1.0


@pytest.mark.parametrize(
    ("loss", "steps", "r_reference", "d_reference"),
    # R and D of these runs computed with the previous autograd implementation (f_0 recomputed,
    # two forwards per step); the trajectory is chaotic over thousands of steps, so runs stay short
    [
        ("hinge", 1000, 0.0955630438720739, 1.2151511647288948),
        ("softhinge", 100, 0.0938081362913542, 0.14692294974359096),
    ],
)
def test_closed_form_training_keeps_the_autograd_trajectory(loss, steps, r_reference, d_reference):
    config = StripeConfig(
        d=10, P=64, h=20, max_steps=steps, n_test=2000, loss=loss, dtype="float64"
    )
    record = run_stripe(config)
    assert record["steps"] == steps
    assert record["R"] == pytest.approx(r_reference, rel=1e-8)
    assert record["D"] == pytest.approx(d_reference, rel=1e-8)


def test_invalid_config_is_reported():
    with pytest.raises(ConfigError, match="loss"):
        StripeConfig(loss="square").validate()
    with pytest.raises(ConfigError, match="alpha"):
        StripeConfig(alpha=0.0).validate()
    with pytest.raises(ConfigError, match="boost"):
        StripeConfig(boost=0.5).validate()
    with pytest.raises(ConfigError, match="dtype"):
        StripeConfig(dtype="float16").validate()


def _fit(boost: float) -> tuple[int, float]:
    config = StripeConfig(d=5, P=128, h=20, alpha=1e-3, lr=0.5, max_steps=20_000, boost=boost)
    gen = _gen(14)
    x, y = sample_stripe(config.P, config.d, gen, torch.float64)
    model = AlphaModel(StripeNet(config.d, config.h, gen, torch.float64), config.alpha)
    result = train(model, x, y, config)
    assert result.fitted
    with torch.no_grad():
        return result.steps, float((y * model(x)).min())


def test_boost_shortens_the_tail_of_the_fit():
    plain_steps, plain_margin = _fit(1.0)
    boosted_steps, boosted_margin = _fit(10.0)
    assert plain_margin >= 1 and boosted_margin >= 1
    assert boosted_steps < plain_steps


def test_command_and_table_roundtrip(tmp_path):
    parser = argparse.ArgumentParser()
    stripe_cmd.add_arguments(parser)
    outs = []
    for seed in (1, 0):
        out = tmp_path / f"seed{seed}.json"
        argv = ["--out", str(out), "--d", "5", "--P", "32", "--seed", str(seed), "--h", "20"]
        argv += ["--alpha", "1e-2", "--max-steps", "3000", "--n-test", "500", "--device", "cpu"]
        stripe_cmd.run(parser.parse_args(argv))
        outs.append(str(out))
    record = json.loads((tmp_path / "seed0.json").read_text())
    assert record["fitted"] and 0 <= record["R"] and record["train_error"] == 0.0
    table_parser = argparse.ArgumentParser()
    table_cmd.add_arguments(table_parser)
    csv = tmp_path / "stripe.csv"
    table_cmd.run(table_parser.parse_args(["--out", str(csv), *outs]))
    table = pd.read_csv(csv)
    assert list(table.columns[: len(STRIPE_COLUMNS)]) == STRIPE_COLUMNS
    assert table["seed"].tolist() == [0, 1]
    assert table["R"].iloc[0] == pytest.approx(record["R"])
