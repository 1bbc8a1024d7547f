"""Adversarial diffeos and worst-case noise (`probe.adversarial`), the probe option, the tables.

The known optimum: for an image that is a linear function of the pixel coordinates, bilinear
resampling is exact, so tau x - x = -(a_u d_u + a_v d_v) is linear in the amplitudes C, and for
f(x) = W x the objective ||f(tau x) - f(x)||^2 = C^T Q C is quadratic. Its maximum under
sum (i^2 + j^2) C_ij^2 / T = 2 M is 2 M lambda, with lambda the top generalised eigenvalue
of (Q, D), D = diag((i^2 + j^2) / T), reached at the top generalised eigenvector.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
import test_probe_run
import torch
import yaml
from workflow_helpers import CONFIGS, snakemake

from diffeo_stability.commands import probe as probe_command
from diffeo_stability.config import Run, run_probe_settings, validate_config
from diffeo_stability.diffeo import constrained
from diffeo_stability.diffeo.fields import (
    field_from_coefficients,
    grad_norm_sq,
    temperature_from_delta,
)
from diffeo_stability.errors import SettingError
from diffeo_stability.mechanisms.training_time_settings import TrainingTimeSettings
from diffeo_stability.preflight import cost
from diffeo_stability.probe.adversarial import (
    Ascent,
    DiffeoSpace,
    adversarial_diffeos,
    attack_point,
    worst_noise,
)
from diffeo_stability.probe.measure import probe_function
from diffeo_stability.probe.settings import ImagenetSettings, ProbeSettings
from diffeo_stability.tables.aggregate import log_average, seed_table, stability_table
from diffeo_stability.tables.columns import ADVERSARIAL_COLUMNS, PROBE_COLUMNS
from diffeo_stability.tables.headline import Headline

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
run = test_probe_run.run  # the fixture: a training run of a VGG11bn on a 28 px set

N, C_CUT = 10, 3.0
SPACE = DiffeoSpace(temperature_from_delta(0.1, N, C_CUT), C_CUT, "code", "bilinear")
#: (a_u, a_v, offset) of the ramps x(row, col) = offset + a_u col + a_v row
RAMPS = ((0.02, 0.03, 0.3), (-0.01, 0.04, 0.5))


def ramps() -> torch.Tensor:
    """Two (1, N, N) images linear in the pixel coordinates, (2, 1, N, N) float64."""
    k = torch.arange(N, dtype=torch.float64)
    return torch.stack([(b + a_u * k[None, :] + a_v * k[:, None])[None] for a_u, a_v, b in RAMPS])


def linear_net(rows: int) -> tuple[torch.Tensor, callable]:
    """f(x) = W x with a fixed Gaussian W (rows, N^2), float64."""
    W = torch.randn(rows, N * N, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    return W, lambda images: images.flatten(1) @ W.T


def known_optimum(W: torch.Tensor, a_u: float, a_v: float) -> tuple[float, np.ndarray]:
    """(max of ||W (tau x - x)||^2 on the constraint, its argmax C over the kept modes) of the
    ramp with slopes (a_u, a_v), from the generalised eigenproblem of (Q, D)."""
    std = constrained.mode_std(C_CUT, "code")
    kept = torch.nonzero(std > 0).tolist()
    columns = []
    for component in (0, 1):
        for i, j in kept:
            basis = torch.zeros(1, 2, *std.shape, dtype=torch.float64)
            basis[0, component, i, j] = 1.0
            d = field_from_coefficients(basis, N)[0]
            columns.append(-(W @ (a_u * d[0] + a_v * d[1]).flatten()))
    A = torch.stack(columns, 1).numpy()
    inverse_variance = np.array([1 / float(std[i, j]) ** 2 for i, j in kept] * 2) / SPACE.T
    values, vectors = scipy.linalg.eigh(A.T @ A, np.diag(inverse_variance))
    top = vectors[:, -1]
    modes = 2 * len(kept)
    return values[-1] * modes, top * math.sqrt(modes / (top @ (inverse_variance * top)))


def kept_coefficients(z: torch.Tensor) -> np.ndarray:
    """C over the kept modes, component-major like `known_optimum`, of amplitudes z (2, m, m)."""
    C = constrained.coefficients_from_whitened(z[None], SPACE.T, C_CUT, "code")[0]
    kept = constrained.mode_std(C_CUT, "code") > 0
    return torch.cat([C[0][kept], C[1][kept]]).numpy()


def test_the_attack_reaches_the_top_generalised_eigenvector_of_a_linear_net() -> None:
    images = ramps()
    W, f = linear_net(3)
    clean = f(images)
    best = adversarial_diffeos(
        f, images, clean, SPACE, Ascent(30, 2, 2.0), torch.Generator().manual_seed(0), None
    )
    for b, (a_u, a_v, _) in enumerate(RAMPS):
        optimum, argmax = known_optimum(W, a_u, a_v)
        assert float(best.values[b]) == pytest.approx(optimum, rel=1e-6)
        found = kept_coefficients(best.params[b])
        assert abs(found @ argmax) / (np.linalg.norm(found) * np.linalg.norm(argmax)) > 1 - 1e-6
        # bilinear resampling was exact: no sample position left the frame
        shift = field_from_coefficients(
            constrained.coefficients_from_whitened(best.params[b : b + 1], SPACE.T, C_CUT), N
        )
        assert float(shift.abs().max()) < 1
    # the known optimum is not reached by a single random field
    start = adversarial_diffeos(
        f, images, clean, SPACE, Ascent(0, 1, 2.0), torch.Generator().manual_seed(0), None
    )
    assert float(start.values[0]) < 0.9 * known_optimum(W, *RAMPS[0][:2])[0]


def test_worst_noise_of_a_linear_net_is_its_top_singular_direction() -> None:
    images = ramps()
    W, f = linear_net(3)
    radius = torch.tensor([0.5, 2.0], dtype=torch.float64)
    best = worst_noise(
        f, images, f(images), radius, Ascent(40, 1, 2.0), torch.Generator().manual_seed(1), 1
    )
    top = torch.linalg.svdvals(W)[0]
    assert best.values.numpy() == pytest.approx((top * radius).square().numpy(), rel=1e-6)
    assert best.params.flatten(1).norm(dim=1).numpy() == pytest.approx(radius.numpy())


def small_net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3, padding=1),
        torch.nn.Tanh(),
        torch.nn.AdaptiveAvgPool2d(4),
        torch.nn.Flatten(),
        torch.nn.Linear(96, 5),
    )


def attack(steps: int, restarts: int = 1, seed: int = 0, chunk: int | None = None):
    images = torch.rand(5, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    net = small_net()
    space = DiffeoSpace(temperature_from_delta(1.0, 16, 5.0), 5.0, "code", "bilinear")
    with torch.no_grad():
        clean = net(images)
    generator = torch.Generator().manual_seed(seed)
    return space, adversarial_diffeos(
        net, images, clean, space, Ascent(steps, restarts, 1.0), generator, chunk
    )


def test_every_returned_field_has_the_ensemble_mean_norm() -> None:
    space, best = attack(3, 2)
    coeffs = constrained.coefficients_from_whitened(best.params, space.T, space.c, space.cutoff)
    modes = int(constrained.mode_mask(space.c).sum())
    assert constrained.ensemble_norm(coeffs, space.T, space.c).numpy() == pytest.approx(
        2 * modes, rel=1e-5
    )
    typical = math.pi**2 / 4 * space.T * 2 * modes  # ||grad tau||^2 at the ensemble mean
    assert grad_norm_sq(coeffs.double()).numpy() == pytest.approx(typical, rel=1e-5)
    assert not coeffs[:, :, constrained.mode_mask(space.c) == 0].any()  # no mode past c


def test_more_steps_or_restarts_never_lower_the_objective() -> None:
    few, more, restarted = (attack(2)[1], attack(6)[1], attack(2, 3)[1])
    assert (more.values >= few.values).all() and (more.values > few.values).any()
    assert (restarted.values >= few.values).all()


def test_the_worst_noise_is_at_least_as_harmful_as_the_adversarial_diffeo() -> None:
    """Its search starts from the diffeo's pixel change, a noise of the same norm."""
    images = torch.rand(5, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    net = small_net()
    space = DiffeoSpace(temperature_from_delta(1.0, 16, 5.0), 5.0, "code", "gaussian")
    clean = space.deformed(images, torch.zeros(5, 2, 5, 5))  # the smoothed images
    with torch.no_grad():
        outputs = net(clean)
    found = attack_point(
        net, images, clean, outputs, space, Ascent(2, 1, 1.0), torch.Generator(), 2
    )
    diffeo, noise = ((out - outputs).square().sum(1) for out in (found.diffeo, found.noise))
    assert (noise >= diffeo * (1 - 1e-5)).all() and (noise > diffeo).any()


def test_a_fixed_seed_gives_the_same_result_whatever_the_chunks() -> None:
    _, first = attack(3, 2, seed=4)
    _, again = attack(3, 2, seed=4, chunk=2)
    _, other = attack(3, 2, seed=5)
    assert torch.allclose(first.params, again.params, atol=1e-5)
    assert torch.allclose(first.values, again.values, rtol=1e-4)
    assert not torch.allclose(first.params, other.params)


def test_probe_option_fills_the_adversarial_columns_at_its_points_only() -> None:
    images = torch.rand(6, 3, 16, 16, generator=torch.Generator().manual_seed(3))
    settings = ProbeSettings(
        n_probe=6, cutoffs=(3.0, 5.0), sweep_points=1, adversarial=True, adversarial_steps=2
    )
    net = small_net()
    rows = probe_function(net, images, settings, seed=1)
    at = (
        (rows.point == "delta1")
        & (rows.c == 3.0)
        & (rows.interpolation == "bilinear")
        & rows.is_output
    )
    adversarial = list(ADVERSARIAL_COLUMNS)
    assert at.sum() == 2 and np.isfinite(rows.loc[at, adversarial].to_numpy()).all()
    assert rows.loc[~at, adversarial].isna().all().all()
    hit = rows[at]
    assert hit.R_adv.to_numpy() == pytest.approx((hit.D_adv / hit.G_adv).to_numpy())
    assert hit.R_adv_G.to_numpy() == pytest.approx((hit.D_adv / hit.G).to_numpy())
    # the typical columns are those of the probe without the option
    off = probe_function(net, images, dataclasses.replace(settings, adversarial=False), seed=1)
    assert off[adversarial].isna().all().all()
    pd.testing.assert_frame_equal(rows.drop(columns=adversarial), off.drop(columns=adversarial))


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"adversarial_interpolation": "nearest"}, "adversarial_interpolation"),
        ({"adversarial": True, "interpolations": ["gaussian"]}, "adversarial_interpolation"),
        ({"adversarial": True, "cutoffs": [5]}, "adversarial_cutoffs"),
        ({"adversarial_restarts": 0}, "adversarial_restarts"),
        ({"adversarial_step_size": 0}, "adversarial_step_size"),
    ],
)
def test_bad_adversarial_settings_name_their_key(values: dict, key: str) -> None:
    with pytest.raises(SettingError, match=key):
        ProbeSettings.from_config(values)


def test_the_option_is_off_by_default_and_in_the_derived_probes() -> None:
    """Off by default; the ImageNet and snapshot probes leave it out (at their own cut-offs)."""
    assert not ProbeSettings().adversarial
    on = ProbeSettings(adversarial=True)
    assert not ImagenetSettings().probe_settings(on).adversarial
    snapshots = TrainingTimeSettings().probe_settings(on, Headline(c=5.0))
    assert not snapshots.adversarial and snapshots.cutoffs == (5.0,)
    ProbeSettings(cutoffs=(5.0,))  # the adversarial cut-offs matter only when it is on


def test_a_config_with_the_option_on_probes_and_aggregates_the_adversarial_columns(
    run: tuple[Path, Path], tmp_path: Path
) -> None:
    """The config's key reaches the job's settings, the probe command writes the columns,
    the stability table, the seed table and the geometric means over seeds carry them."""
    config = validate_config(
        {
            "experiments": {
                "a": {"datasets": ["mnist"], "archs": ["ResNet18"], "P": [512], "seeds": [0, 1]}
            },
            "probe": {
                "n_probe": 6,
                "cutoffs": [3],
                "interpolations": ["bilinear"],
                "sweep_points": 0,
                "layers": False,
                "adversarial_steps": 1,
                "overrides": [{"seeds": [1], "settings": {"adversarial": True}}],
            },
        }
    )
    assert not run_probe_settings(config, Run("mnist", "ResNet18", 512, 0)).adversarial
    on = run_probe_settings(config, Run("mnist", "ResNet18", 512, 1))
    assert on.adversarial and on.adversarial_steps == 1
    run_dir, data = run
    paths = []
    for seed in (0, 1):
        settings = on
        paths.append(tmp_path / f"seed{seed}.parquet")
        parser = argparse.ArgumentParser()
        probe_command.add_arguments(parser)
        args = ["--run-dir", str(run_dir), "--data", str(data), "--out", str(paths[-1])]
        args += ["--dataset", "toy", "--arch", "VGG11bn", "--P", "512", "--seed", str(seed)]
        args += ["--settings", settings.to_json(), "--device", "cpu"]
        probe_command.run(parser.parse_args(args))
    rows = pd.read_parquet(paths[0])
    assert list(rows.columns) == list(PROBE_COLUMNS)
    assert np.isfinite(rows.R_adv).all() and set(rows.state) == {"init", "trained"}
    # a probe file written before the option (no adversarial columns) still aggregates
    old = tmp_path / "old.parquet"
    rows.drop(columns=list(ADVERSARIAL_COLUMNS)).assign(seed=2).to_parquet(old)
    stability = stability_table([*paths, old])
    assert stability[stability.seed == 2].R_adv.isna().all()
    means = log_average(stability)
    trained = means[means.state == "trained"]
    assert (trained.n_seeds == 3).all() and np.isfinite(trained.R_adv).all()
    seeds = seed_table(stability)
    assert {"D_adv", "G_adv", "R_adv", "R_adv_G"} <= set(seeds.columns)
    # without the option the tables keep their columns
    plain = stability_table([old])
    assert "R_adv" not in log_average(plain) and "R_adv" not in seed_table(plain)


def test_the_config_key_reaches_every_probe_job_of_the_workflow(tmp_path: Path) -> None:
    """A dry run of the smoke config with `probe.adversarial: true`: each run's probe job
    gets it, the snapshot probes do not."""
    config = yaml.safe_load((CONFIGS / "smoke.yaml").read_text())
    config["probe"]["adversarial"] = True
    path = tmp_path / "adversarial.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake("-n", "-p", "--configfile", str(path), workdir=tmp_path)
    lines = [line for line in result.stdout.splitlines() if " probe --run-dir" in line]
    probes = [line for line in lines if "--snapshots" not in line]
    assert probes and all('"adversarial": true' in line for line in probes)
    snapshots = [line for line in lines if "--snapshots" in line]  # left out (their own c)
    assert snapshots and not any('"adversarial"' in line for line in snapshots)


def test_the_cost_estimate_counts_the_searches() -> None:
    """Probe passes grow with the option, its steps and restarts; the default costs about
    twice a probe of config/cpu.yaml without overrides (benchmark: 1.8x to 2.0x)."""
    base = {
        "cutoffs": [3, 5, 15],
        "interpolations": ["bilinear"],
        "sweep_points": 0,
        "layers": False,
    }
    experiments = {"a": {"datasets": ["mnist"], "archs": ["ResNet18"], "P": [512], "seeds": [0]}}

    def passes(**probe: object) -> int:
        config = validate_config({"experiments": experiments, "probe": {**base, **probe}})
        return cost.probe_passes(config, Run("mnist", "ResNet18", 512, 0), 10_000)

    off = passes()
    default, more, restarted = (
        passes(adversarial=True),
        passes(adversarial=True, adversarial_steps=8),
        passes(adversarial=True, adversarial_restarts=2),
    )
    assert off < default < more and default < restarted
    assert 1.5 < (default - off) / off < 2.5


def test_a_probe_without_the_option_keeps_its_identity():
    """With `adversarial` off, the settings' JSON (a probe job's --settings, hence its
    Snakemake identity) holds none of the adversarial keys, as before the option existed; on,
    it holds them all; both read back to the same settings."""
    before = {
        "n_probe", "cutoffs", "cutoff_rule", "interpolations", "deltas", "sweep_points",
        "sweep_range", "layers", "noise_norms", "max_batch",
    }  # fmt: skip
    off = ProbeSettings(adversarial_steps=7)
    assert set(json.loads(off.to_json())) == before
    on = ProbeSettings(adversarial=True, adversarial_steps=7)
    assert json.loads(on.to_json())["adversarial_steps"] == 7
    assert ProbeSettings.from_json(on.to_json(), "--settings") == on
    assert ProbeSettings.from_json(off.to_json(), "--settings") == ProbeSettings()
