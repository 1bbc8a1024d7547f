"""Neuron stability to local linear maps: linear parts, receptive fields, patch deformations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from diffeo_stability.errors import ConfigError
from diffeo_stability.mechanisms.linear_parts import (
    field_gradient,
    frobenius,
    linear_parts,
    squared_norms,
)
from diffeo_stability.mechanisms.neuron_settings import (
    KINDS,
    neuron_stability_problems,
    parse_neuron_stability,
)
from diffeo_stability.mechanisms.neuron_stability import (
    ReceptiveField,
    deformed_patches,
    layer_stability,
    patch_fields,
    position_groups,
    receptive_field,
    summary_rows,
    unit_transforms,
)
from diffeo_stability.models import build_model

RUN = {"dataset": "synth-cifar10", "arch": "VGG11", "P": 64, "seed": 0}


def _vgg() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model("VGG11", 3, 32, width_factor=0.125).eval()


def test_squared_norms_are_those_of_the_parts():
    U = np.random.default_rng(3).normal(size=(5, 7, 2, 2))
    parts, squares = linear_parts(U), squared_norms(U)
    for name in ("compression", "shear", "rotation"):
        np.testing.assert_allclose(squares[name], frobenius(getattr(parts, name)) ** 2)


def test_linear_parts_sum_to_the_gradient_and_have_their_symmetries():
    U = np.random.default_rng(0).normal(size=(5, 2, 2))
    parts = linear_parts(U)
    np.testing.assert_allclose(parts.compression + parts.shear + parts.rotation, U)
    np.testing.assert_allclose(parts.rotation, -np.swapaxes(parts.rotation, -1, -2))
    np.testing.assert_allclose(np.trace(parts.shear, axis1=-2, axis2=-1), 0, atol=1e-15)
    np.testing.assert_allclose(parts.compression[:, 0, 1], 0)


@pytest.mark.parametrize("kind", KINDS[1:])
def test_a_unit_linear_field_has_only_its_own_part(kind):
    """A pure rotation field has zero compression and shear (and likewise for the others);
    the part of its own kind has Frobenius norm 1."""
    gen = torch.Generator().manual_seed(0)
    field = ReceptiveField(size=9, jump=1, start=0)
    draws = unit_transforms(kind, 3, gen).view(3, 1, 2, 3)
    tau, _ = patch_fields(field, np.array([[0, 0]]), draws, 9, 1.0)  # the whole 9 x 9 image
    gradient = field_gradient(tau.numpy())[:, 1:-1, 1:-1]  # inside the patch
    parts = linear_parts(gradient)._asdict()
    for name, part in parts.items():
        norm = frobenius(part)
        expected = 1.0 if name == kind else 0.0
        np.testing.assert_allclose(norm, expected, atol=1e-12, err_msg=name)


def test_receptive_fields_of_a_vgg_match_the_input_gradient_support():
    model = _vgg()
    field = receptive_field(list(model.blocks[:3]))
    assert (field.size, field.jump, field.start) == (18, 4, -7)
    chain = torch.nn.Sequential(model.prep, *model.blocks[:3])
    support = torch.zeros(32, 32)
    for _ in range(3):
        x = torch.rand(1, 3, 32, 32, requires_grad=True)
        chain(x)[0, :, 1, 2].sum().backward()
        support += x.grad.abs().sum((0, 1))
    rows, cols = support.sum(1).nonzero().flatten(), support.sum(0).nonzero().flatten()
    assert (int(rows.min()), int(rows.max()) + 1) == field.span(1, 32)
    assert (int(cols.min()), int(cols.max()) + 1) == field.span(2, 32)


def test_position_groups_never_overlap():
    field = ReceptiveField(size=10, jump=4, start=-3)
    for positions in position_groups(field, 8, groups=3):
        for a in range(len(positions)):
            for b in range(a):
                (r0, r1), (c0, c1) = (field.span(int(p), 32) for p in positions[a])
                (s0, s1), (d0, d1) = (field.span(int(p), 32) for p in positions[b])
                assert r1 <= s0 or s1 <= r0 or c1 <= d0 or d1 <= c0


def test_a_neuron_outside_the_deformed_patch_does_not_change():
    """alpha = 0 for a neuron whose receptive field lies outside the deformed patch, > 0 for
    the neuron whose patch is deformed."""
    model = _vgg()
    chain = torch.nn.Sequential(model.prep, *model.blocks[:2])
    field = receptive_field(list(model.blocks[:2]))  # 10 px, jump 4
    images = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    for kind in KINDS:
        draws = unit_transforms(kind, 2, torch.Generator().manual_seed(2)).view(2, 1, 2, 3)
        deformed, _ = deformed_patches(images, field, np.array([[1, 1]]), draws, 1.0)
        with torch.no_grad():
            before, after = chain(images).repeat(2, 1, 1, 1), chain(deformed)
        change = (after - before).square()
        assert change[:, :, 1, 1].sum() > 0, kind
        assert change[:, :, 4:, :].abs().max() == 0 and change[:, :, :, 4:].abs().max() == 0


def test_layer_stability_rows():
    settings = parse_neuron_stability(
        {"run": RUN, "layers": ["conv2"], "images": 6, "transforms": 2, "groups": 2}
    )
    model = _vgg()
    images = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    result = layer_stability(model, "conv2", images, settings, seed=0)
    rows = summary_rows(result, 6, 2)
    assert [row["kind"] for row in rows] == list(KINDS)
    channels = model.blocks.conv2[0].out_channels
    positions = sum(map(len, position_groups(result.field, 8, 2)))  # on the 8 x 8 map
    assert positions >= 2 * 4
    for row in rows:
        assert row["neurons"] == channels * positions
        assert 0 <= row["active_neurons"] <= row["neurons"]
        assert row["alpha"] > 0 and math.isfinite(row["alpha"])
    assert rows[0]["displacement_rms_px"] == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="conv1, conv2"):
        layer_stability(model, "conv9", images, settings, seed=0)


def test_settings_are_validated():
    base = {"run": RUN, "layers": ["conv2"]}
    assert parse_neuron_stability(base).transforms == 4
    for bad, key in [
        ({"images": 0}, "images"),
        ({"kinds": ["twist"]}, "kinds"),
        ({"norm": -1}, "norm"),
        ({"layers": []}, "layers"),
        ({"sizes": 3}, "unknown key"),
    ]:
        with pytest.raises(ConfigError, match=key):
            parse_neuron_stability(base | bad)
    config = {"mechanisms": {"neuron_stability": base}}
    assert neuron_stability_problems(config, [("synth-cifar10", "VGG11", 64, 0)]) == []
    assert "not a run" in neuron_stability_problems(config, [])[0]
    assert neuron_stability_problems({}, []) == []
