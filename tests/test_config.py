"""Config validation (schema + cross-field rules) and the job grid, without snakemake."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from diffeo_stability.config import (
    Run,
    load_schema,
    run_hparams,
    training_runs,
    validate_config,
)
from diffeo_stability.datasets import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.hparams import PAPER_DEFAULTS
from diffeo_stability.models.registry import ARCHITECTURES

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "experiments": {
        "a": {"datasets": ["mnist"], "archs": ["ResNet18"], "P": [512, "full"], "seeds": [0, 1]}
    }
}


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / "config" / f"{name}.yaml").read_text())


def invalid(mutate) -> str:
    """The ConfigError message of GOOD after `mutate(config)`."""
    config = copy.deepcopy(GOOD)
    mutate(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    return str(info.value)


def test_schema_enums_match_the_registries():
    definitions = load_schema()["definitions"]
    assert set(definitions["dataset"]["enum"]) == set(DATASETS)
    assert set(definitions["arch"]["enum"]) == set(ARCHITECTURES)
    assert set(definitions["family"]["enum"]) == set(PAPER_DEFAULTS)


def test_defaults_are_filled_in_nested_sections():
    config = validate_config(copy.deepcopy(GOOD))
    assert config["probe"]["n_probe"] == 500
    assert config["probe"]["cutoffs"] == [3, 5, 15]
    assert config["probe"]["cutoff_rule"] == "code"  # the authors' code
    assert config["device"] == "auto"
    assert config["training"]["families"]["conv"] == {}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda c: c["experiments"]["a"].update(datasets=["imagenet"]),
            ["experiments.a.datasets[0]", "'imagenet'", "mnist, fashionmnist, cifar10"],
        ),
        (
            lambda c: c["experiments"]["a"].update(archs=["ResNet9"]),
            ["experiments.a.archs[0]", "'ResNet9'", "ResNet18", "EfficientNetB0"],
        ),
        (
            lambda c: c["experiments"]["a"].update(P=[60001]),
            ["experiments.a.P", "60001", "larger than the training set of mnist", "60000"],
        ),
        (lambda c: c["experiments"]["a"].update(P=["all"]), ["experiments.a.P[0]", "'full'"]),
        (lambda c: c["experiments"]["a"].update(seeds=[]), ["experiments.a.seeds", "empty"]),
        (lambda c: c.update(probe={"delta": 0}), ["probe.delta", "greater than 0"]),
        (lambda c: c.update(probe={"delta": -1.0}), ["probe.delta"]),
        (lambda c: c.update(probe={"cutoffs": [3, 0]}), ["probe.cutoffs[1]", "greater than 0"]),
        (
            lambda c: c.update(probe={"interpolations": ["bicubic"]}),
            ["probe.interpolations[0]", "'bicubic'", "bilinear, gaussian, nearest"],
        ),
        (
            lambda c: c.update(training={"families": {"conv": {"lr_typo": 1}}}),
            ["training.families.conv", "lr_typo", "allowed"],
        ),
        (lambda c: c.update(probes={}), ["probes", "config/README.md"]),
        (lambda c: c.pop("experiments"), ["'experiments' is a required property"]),
    ],
)
def test_bad_configs_name_the_key_and_the_allowed_values(mutate, expected):
    message = invalid(mutate)
    for fragment in expected:
        assert fragment in message, (fragment, message)


def test_all_problems_are_reported_at_once():
    def mutate(c):
        c["experiments"]["a"]["datasets"] = ["imagenet"]
        c["probe"] = {"delta": 0, "interpolations": ["bicubic"]}

    message = invalid(mutate)
    assert all(key in message for key in ("datasets[0]", "probe.delta", "interpolations[0]"))


def test_the_union_of_grids_defines_the_jobs():
    config = copy.deepcopy(GOOD)
    config["experiments"]["b"] = {
        "datasets": ["mnist", "cifar10"], "archs": ["ResNet18"], "P": ["full"], "seeds": [1, 2]
    }  # fmt: skip
    runs = training_runs(validate_config(config))
    assert len(runs) == len(set(runs)) == 4 + 4 - 1  # (mnist, ResNet18, full, 1) is shared
    assert Run("cifar10", "ResNet18", "full", 2) in runs


def test_paper_config_has_the_papers_statistics():
    config = validate_config(load("paper"))
    runs = training_runs(config)
    sota = [r for r in runs if r.arch == "ResNet18" and r.dataset == "mnist"]
    assert len(sota) == 8 * 16  # P = 512 .. 32768 and 50000 (a 50k subset of MNIST), 16 seeds
    comparison = {r.arch for r in runs if r.dataset == "cifar10" and r.P == 50000}
    assert len(comparison) == 15
    assert {r.P for r in runs if r.dataset == "mnist"} >= {50000}
    assert config["probe"]["cutoffs"] == [3, 5, 15] and config["probe"]["n_probe"] == 500
    # 2 x 2 nets x 3 data sets x 8 P x 16 seeds + the comparison set minus the shared cells
    assert len(runs) == 2 * 2 * 3 * 8 * 16 + 15 * 5 - 4 * 5


def test_hyperparameters_follow_family_defaults_then_matching_overrides():
    config = validate_config(load("paper"))
    comparison = run_hparams(config, Run("cifar10", "VGG11", 50000, 0))
    resnet = run_hparams(config, Run("cifar10", "ResNet18", 50000, 0))
    fc = run_hparams(config, Run("cifar10", "FullConnL2", 50000, 0))
    # 350 epochs only for the nets that appear only in the comparison
    assert comparison["epochs"] == 350 and resnet["epochs"] == 250
    assert comparison["precision"] == "fp32"
    assert comparison["lr"] == 0.1 and comparison["optimizer"] == "sgd"
    assert fc["optimizer"] == "adam" and fc["epochs"] == 250


@pytest.mark.parametrize("name", ["config", "paper", "smoke", "cpu-check"])
def test_shipped_configs_are_valid(name):
    assert training_runs(validate_config(load(name)))
