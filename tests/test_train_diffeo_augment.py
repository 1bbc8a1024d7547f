"""Diffeo augmentation: draws of c and T, shapes, seeding, the trainer's augmentation options,
and the hyper-parameters that set it (one home, identity of the runs without it)."""

from __future__ import annotations

import json

import pytest
import torch
from test_train import toy_dataset

from diffeo_stability.diffeo.fields import expected_delta, temperature_range
from diffeo_stability.errors import SettingError
from diffeo_stability.training.augment import crop_flip
from diffeo_stability.training.diffeo_augment import RandomDiffeo, sample_beta
from diffeo_stability.training.hparams import (
    DIFFEO_KEYS,
    KEPT_WHEN_SET,
    PAPER_DEFAULTS,
    HParams,
    augmentation_parts,
    resolve_hparams,
)
from diffeo_stability.training.trainer import RunConfig, Trainer

SIDE = 32


def augmenter(device: str = "cpu", **overrides) -> RandomDiffeo:
    hp = resolve_hparams("conv", {"augmentation": "diffeo"} | overrides)
    return RandomDiffeo(hp, SIDE, torch.device(device))


def devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", devices())
def test_a_batch_keeps_shape_dtype_and_device_and_a_seed_gives_the_same_batch(device):
    images = torch.rand(64, 3, SIDE, SIDE, device=device)
    diffeo = augmenter(device)
    first = diffeo(images, torch.Generator(device).manual_seed(5))
    again = diffeo(images, torch.Generator(device).manual_seed(5))
    other = diffeo(images, torch.Generator(device).manual_seed(6))
    assert first.shape == images.shape and first.dtype == torch.float32
    assert first.device == images.device
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    # one field per image: the same image repeated is deformed differently
    same = diffeo(images[:1].expand(8, -1, -1, -1), torch.Generator(device).manual_seed(5))
    assert all(not torch.equal(same[0], same[k]) for k in range(1, 8))
    assert not torch.equal(first, images)


def test_c_and_T_lie_within_their_bounds_and_follow_the_beta_laws():
    diffeo = augmenter(
        diffeo_cut_min=3,
        diffeo_cut_max=9,
        diffeo_cut_beta=[1.0, 1.0],
        diffeo_temperature_beta=[2.0, 5.0],
    )
    cut, temperature = diffeo.draw(40_000, torch.Generator().manual_seed(0))
    assert cut.dtype == torch.int64 and int(cut.min()) == 3 and int(cut.max()) == 9
    counts = torch.bincount(cut - 3).double()  # Beta(1, 1): uniform over the 7 cut-offs
    expected = 40_000 / 7
    assert ((counts - expected).abs() < 5 * expected**0.5).all(), counts
    bounds = torch.tensor([temperature_range(SIDE, float(c)) for c in cut.tolist()])
    low, high = bounds[:, 0].float(), bounds[:, 1].float()
    assert ((temperature >= low * (1 - 1e-6)) & (temperature <= high * (1 + 1e-6))).all()
    fraction = (temperature - low) / (high - low)  # Beta(2, 5): mean 2/7, variance 10/392
    assert abs(float(fraction.mean()) - 2 / 7) < 5 * (10 / 392 / 40_000) ** 0.5


def test_a_beta_draw_of_exactly_one_stays_at_the_largest_cut_off():
    """Beta(50, 0.01) returns 1.0 exactly when the second gamma draw underflows; the authors'
    int(B (c_max + 1 - c_min) + c_min) would then give c_max + 1."""
    ones = sample_beta(torch.tensor([50.0, 0.01]), 4000, torch.Generator().manual_seed(0))
    assert bool((ones == 1.0).any())
    diffeo = augmenter(diffeo_cut_min=2, diffeo_cut_max=4, diffeo_cut_beta=[50.0, 0.01])
    cut, _ = diffeo.draw(4000, torch.Generator().manual_seed(0))
    assert set(cut.tolist()) == {4}


def test_each_field_has_the_magnitude_of_its_own_cut_off_and_temperature():
    """The r.m.s. centre displacement over the fields drawn at each c is the ensemble's
    exact value at that c (`fields.expected_delta`, per field T): the per-image mode tables
    are indexed by each image's c. Odd side: the centre (1/2, 1/2) is a pixel."""
    side, batch = 33, 20_000
    hp = resolve_hparams("conv", {"augmentation": "diffeo", "diffeo_cut_max": 6})
    diffeo = RandomDiffeo(hp, side, torch.device("cpu"))
    cut, temperature = diffeo.draw(batch, torch.Generator().manual_seed(1))
    field = diffeo.displacement(batch, torch.Generator().manual_seed(1))
    centre = field[:, :, side // 2, side // 2].double()
    exact = [
        expected_delta(float(t), side, float(c)) ** 2 for c, t in zip(cut, temperature, strict=True)
    ]
    ratio = centre.pow(2).sum(1) / torch.tensor(exact, dtype=torch.float64)
    for c in range(2, 7):
        mean = float(ratio[cut == c].mean())  # chi-square with 2 dof / 2: SE ~ 1 / sqrt(4000)
        assert abs(mean - 1) < 0.08, (c, mean)


def test_a_cut_off_of_one_is_refused_naming_the_key():
    with pytest.raises(SettingError, match=r"^diffeo_cut_min: .*log c = 0") as raised:
        resolve_hparams("conv", {"augmentation": "diffeo", "diffeo_cut_min": 1})
    assert raised.value.key == "diffeo_cut_min"
    for key, value, problem in [
        ("diffeo_cut_max", 1, "must be an integer >= 2"),
        ("diffeo_cut_beta", [1.0], r"must be a list \[alpha, beta\]"),
        ("diffeo_temperature_beta", [1.0, 0.0], "must be a number > 0"),
    ]:
        with pytest.raises(SettingError, match=rf"^{key}: .*{problem}"):
            resolve_hparams("conv", {key: value})
    # the default lower bound: c = 1 is never drawn, so T's bounds never divide by log 1
    cut, temperature = augmenter().draw(20_000, torch.Generator().manual_seed(2))
    assert int(cut.min()) == 2 and bool(torch.isfinite(temperature).all())


def test_the_diffeo_keys_belong_to_a_run_only_when_it_draws_diffeos():
    """Runs without diffeo augmentation keep their serialised hyper-parameters (metrics.json,
    resume identity, --hparams) as before the keys existed; with it, every key is recorded."""
    assert augmentation_parts("crop_flip+diffeo") == ("crop_flip", "diffeo")
    assert augmentation_parts("none") == ()
    previous = set(PAPER_DEFAULTS["conv"]) - set(KEPT_WHEN_SET) - set(DIFFEO_KEYS)
    for name in ("auto", "none", "crop_flip"):
        plain = resolve_hparams("conv", {"augmentation": name, "diffeo_cut_max": 7})
        assert set(plain.as_config()) == previous
    for name in ("diffeo", "crop_flip+diffeo"):
        hp = resolve_hparams("conv", {"augmentation": name, "diffeo_cut_max": 7})
        assert set(hp.as_config()) == previous | set(DIFFEO_KEYS)
        assert json.loads(hp.to_json())["diffeo_cut_beta"] == [1.0, 1.0]
        assert HParams.from_json(hp.to_json(), "--hparams") == hp


def trainer(tmp_path, augmentation: str, **overrides) -> Trainer:
    settings = {"epochs": 1, "batch_size": 16, "augmentation": augmentation} | overrides
    hp = resolve_hparams("conv", settings)
    config = RunConfig("LeNet", 32, 4, hp, tmp_path, default_augmentation="crop_flip")
    return Trainer(toy_dataset(64, 16, channels=3, side=SIDE), config)


def test_the_augmentation_options_apply_their_transforms_in_order(tmp_path):
    """none: the images as they are; diffeo: one field per image from the augmentation
    generator; crop_flip+diffeo: the crop and flip of crop_flip, then the diffeo (the draws
    follow each other on the same generator); auto: the dataset's default."""
    raw = torch.randint(0, 256, (16, 3, SIDE, SIDE), dtype=torch.uint8)
    unit = raw.float() / 255
    seed = 4 + 1  # the trainer's augmentation generator: seed + 1
    outputs = {}
    for name in ("none", "auto", "crop_flip", "diffeo", "crop_flip+diffeo"):
        run = trainer(tmp_path / name, name)
        outputs[name] = run.augmented_batch(raw)
        assert outputs[name].shape == unit.shape and outputs[name].dtype == torch.float32
        assert (run.random_diffeo is not None) == ("diffeo" in name)
    diffeo = augmenter()
    gen = torch.Generator().manual_seed(seed)
    assert torch.equal(outputs["none"], unit)
    assert torch.equal(outputs["auto"], crop_flip(raw, 4, gen).float() / 255)
    assert torch.equal(outputs["crop_flip"], outputs["auto"])
    assert torch.equal(outputs["diffeo"], diffeo(unit, torch.Generator().manual_seed(seed)))
    gen = torch.Generator().manual_seed(seed)
    cropped = crop_flip(raw, 4, gen).float() / 255
    assert torch.equal(outputs["crop_flip+diffeo"], diffeo(cropped, gen))
    assert not torch.equal(outputs["crop_flip+diffeo"], outputs["crop_flip"])
    assert not torch.equal(outputs["crop_flip+diffeo"], outputs["diffeo"])
    # in the run's memory format, with the same values
    channels_last = trainer(tmp_path / "cl", "diffeo", memory_format="channels_last")
    batch = channels_last.augmented_batch(raw)
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(batch, outputs["diffeo"])
