"""Config validation (schema + cross-field rules) and the job grid, without snakemake."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml

from diffeo_stability.config import (
    Run,
    check_device,
    load_schema,
    retype_overrides,
    run_hparams,
    run_probe_settings,
    training_runs,
    validate_config,
)
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.probe.settings import ProbeSettings
from diffeo_stability.training.hparams import PAPER_DEFAULTS, HParams
from diffeo_stability.workflow import validate_workflow_config

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
        validate_workflow_config(config)
    return str(info.value)


def test_schema_enums_match_the_registries():
    definitions = load_schema()["definitions"]
    assert set(definitions["dataset"]["enum"]) == set(DATASETS)
    assert set(definitions["arch"]["anyOf"][0]["enum"]) == set(ARCHITECTURES)
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
        (lambda c: c.update(probe={"delta": 0}), ["probe.delta: 0 must be a number > 0"]),
        (lambda c: c.update(probe={"delta": -1.0}), ["probe.delta"]),
        (lambda c: c.update(probe={"cutoffs": [3, 0]}), ["probe.cutoffs: 0 must be a number > 1"]),
        (
            lambda c: c.update(probe={"interpolations": ["bicubic"]}),
            ["probe.interpolations", "'bicubic'", "bilinear, gaussian, nearest"],
        ),
        (
            lambda c: c.update(training={"families": {"conv": {"lr_typo": 1}}}),
            ["training.families.conv", "lr_typo", "allowed"],
        ),
        (lambda c: c.update(probes={}), ["probes", "config/README.md"]),
        (
            lambda c: c.update(training={"families": {"conv": {"lr": -0.1}}}),
            ["training.families.conv.lr: -0.1 must be a number > 0"],
        ),
        (
            lambda c: c.update(training={"families": {"fc": {"lr": "0.1"}}}),
            ["training.families.fc.lr: '0.1' must be a number"],
        ),
        (
            lambda c: c.update(training={"families": {"conv": {"epochs": 2.5}}}),
            ["training.families.conv.epochs: 2.5 must be an integer"],
        ),
        (
            lambda c: c.update(training={"families": {"conv": {"momentum": -1}}}),
            ["training.families.conv.momentum: -1 must be a number >= 0"],
        ),
        (
            lambda c: c.update(training={"families": {"conv": {"nesterov": "yes"}}}),
            ["training.families.conv.nesterov: 'yes' must be true or false"],
        ),
        (
            lambda c: c.update(probe={"n_probe": 20000}),
            ["probe.n_probe", "larger than the test set of mnist (10000 images)"],
        ),
        (
            lambda c: c.update(stripe={"args": {"hidden": 10}}),
            ["stripe.args: unknown option 'hidden'", "allowed: alpha", "max_steps"],
        ),
        (
            lambda c: c.update(training={"weights": {"EfficientNetB0-transfer": "no/such.pth"}}),
            ["training.weights.EfficientNetB0-transfer: no such file 'no/such.pth'"],
        ),
        (
            lambda c: c.update(imagenet={"images": "no/such/dir"}),
            ["imagenet.images: no such folder 'no/such/dir'"],
        ),
        (
            lambda c: c.update(figures={"options": {"fig5_error_vs_rf": {"datset": "mnist"}}}),
            ["figures.options.fig5_error_vs_rf: unknown option 'datset'", "dataset"],
        ),
        (
            lambda c: c.update(figures={"options": {"fig9": {"c": "3"}}}),
            ["figures.options: unknown figure 'fig9'", "fig5_error_vs_rf"],
        ),
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
    assert message.count("probe.interpolations") == 1  # the schema's enum; not again


def test_the_union_of_grids_defines_the_jobs():
    config = copy.deepcopy(GOOD)
    config["experiments"]["b"] = {
        "datasets": ["mnist", "cifar10"],
        "archs": ["ResNet18"],
        "P": ["full"],
        "seeds": [1, 2],
    }
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
    assert comparison.epochs == 350 and resnet.epochs == 250
    assert comparison.precision == "fp32"
    assert comparison.lr == 0.1 and comparison.optimizer == "sgd"
    assert fc.optimizer == "adam" and fc.epochs == 250


def test_a_hyperparameter_the_architecture_does_not_take_is_refused():
    def training(**section):
        return lambda config: config.update(training=section)

    conv = ", ".join(name for name, spec in ARCHITECTURES.items() if spec.family == "conv")
    narrow = {"width_factor": 0.5}
    message = invalid(training(overrides=[{"archs": ["FullConnL4"], "hparams": narrow}]))
    assert (
        "training.overrides[0].hparams.width_factor: 0.5: FullConnL4 does not "
        f"take it (family fc); architectures that do: {conv}"
    ) in message
    message = invalid(training(overrides=[{"P": [512], "hparams": {"input_size": 64}}]))
    assert "input_size: 64: FullConnL2 does not take it" in message  # the rule reaches FC nets
    assert "architectures that do: EfficientNetB0-transfer, EfficientNetB2-transfer" in message
    message = invalid(training(families={"transfer": {"width_factor": 2}}))
    assert "training.families.transfer.width_factor: 2: Efficient" in message
    config = copy.deepcopy(GOOD)  # LeNet, a conv net, takes it
    training(overrides=[{"archs": ["LeNet"], "hparams": narrow}])(config)
    validate_config(config)


def test_the_training_job_resolves_a_run_hparams_unchanged():
    """One resolution: `train --hparams JSON` gets run_hparams and resolves it to itself."""
    import json

    from diffeo_stability.training.hparams import resolve_arch_hparams

    config = validate_config(load("smoke"))
    for run in training_runs(config):
        hparams = run_hparams(config, run)
        assert resolve_arch_hparams(run.arch, json.loads(hparams.to_json())) == hparams


@pytest.mark.parametrize("name", ["config", "paper", "smoke", "cpu-check", "cpu-long"])
def test_shipped_configs_are_valid(name):
    assert training_runs(validate_config(load(name)))


def test_probe_overrides_apply_to_matching_runs_only():
    config = copy.deepcopy(GOOD)
    config["probe"] = {
        "sweep_points": 0,
        "interpolations": ["bilinear"],
        "overrides": [
            {"P": ["full"], "seeds": [0], "settings": {"sweep_points": 12, "layers": False}},
            {"archs": ["ResNet18"], "settings": {"interpolations": ["bilinear", "gaussian"]}},
        ],
    }
    config = validate_config(config)
    largest = run_probe_settings(config, Run("mnist", "ResNet18", "full", 0))
    other_seed = run_probe_settings(config, Run("mnist", "ResNet18", "full", 1))
    small = run_probe_settings(config, Run("mnist", "ResNet18", 512, 0))
    assert largest == ProbeSettings(
        cutoffs=(3.0, 5.0, 15.0),
        interpolations=("bilinear", "gaussian"),
        sweep_points=12,
        layers=False,
    )
    assert other_seed.sweep_points == small.sweep_points == 0
    assert other_seed.layers is small.layers is True


def test_probe_override_with_an_unknown_setting_is_refused():
    message = invalid(lambda c: c.update(probe={"overrides": [{"settings": {"n_probe": 10}}]}))
    assert "n_probe" in message


def test_a_cuda_device_that_is_not_there_fails():
    with pytest.raises(ConfigError, match="device: 'cuda:99', but this machine has"):
        check_device("cuda:99")
    check_device("cpu")


def test_nested_config_overrides_are_read_as_yaml():
    config = {"probe": {"delta": "0.5", "cutoffs": ["3", "5"], "n_probe": 32}}
    retype_overrides(config, {"probe": {"delta": "0.5", "cutoffs": ["3", "5"]}, "device": "cpu"})
    assert config == {"probe": {"delta": 0.5, "cutoffs": [3, 5], "n_probe": 32}}


def test_cli_environment_is_passive_and_cpu_jobs_hold_no_gpu(monkeypatch, tmp_path):
    import torch

    from diffeo_stability.config import export_cli_environment, gpus_per_job

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("PATH", "/bin")
    monkeypatch.setenv("PYTHONPATH", "")
    export_cli_environment(tmp_path)
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    export_cli_environment(tmp_path)
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"  # a user's choice is kept
    assert gpus_per_job("cpu") == 0 and gpus_per_job("cuda") == 1
    assert gpus_per_job("auto") == int(torch.cuda.is_available())


def test_headline_defaults_have_one_home():
    from diffeo_stability.tables.headline import Headline

    probe = load_schema()["properties"]["probe"]["properties"]
    assert not [key for key, spec in probe["headline"]["properties"].items() if "default" in spec]
    config = validate_config(copy.deepcopy(GOOD))
    assert Headline.of_config(config) == Headline(cutoff_rule="code")


def test_probe_defaults_have_one_home():
    """Every setting of `probe` and `imagenet` has exactly one default, its dataclass field's:
    none in the schema, none in the probe commands (they read one JSON document)."""
    import argparse

    from diffeo_stability.commands import probe, probe_imagenet
    from diffeo_stability.probe.imagenet import ARCHS
    from diffeo_stability.probe.settings import ImagenetSettings

    sections = load_schema()["properties"]
    for name, cls in (("probe", ProbeSettings), ("imagenet", ImagenetSettings)):
        properties = sections[name]["properties"]
        assert not [k for k, spec in properties.items() if "default" in spec and k != "overrides"]
        config = validate_config(copy.deepcopy(GOOD))
        assert {k: config[name][k] for k in cls.config_defaults()} == cls.config_defaults()
        assert cls.from_config(config[name]) == cls()
    assert sections["imagenet"]["properties"]["weights"]["propertyNames"]["enum"] == list(ARCHS)
    for command in (probe, probe_imagenet):
        parser = argparse.ArgumentParser()
        command.add_arguments(parser)
        defaults = {a.dest: a.default for a in parser._actions if a.default is not None}
        assert set(defaults) <= {"help", "settings", "device", "seed"}, defaults
        assert defaults["settings"] == "{}"


def test_training_defaults_have_one_home():
    """Hyper-parameter values live in hparams only (HParams' fields, FAMILY_DEFAULTS): the
    schema's family sections default to no overrides (a run without any gets the paper's
    values), the train command reads one JSON document, config/README.md lists every key."""
    import argparse
    import re

    from diffeo_stability.commands import train

    training = load_schema()["properties"]["training"]["properties"]
    families = training["families"]["properties"]
    assert {name: spec["default"] for name, spec in families.items()} == dict.fromkeys(
        PAPER_DEFAULTS, {}
    )
    config = validate_config(copy.deepcopy(GOOD))
    resnet = run_hparams(config, Run("mnist", "ResNet18", 512, 0))
    assert resnet == HParams.from_config(PAPER_DEFAULTS["conv"])
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    assert [a.dest for a in parser._actions if a.dest in PAPER_DEFAULTS["conv"]] == []
    readme = (ROOT / "config" / "README.md").read_text()
    listed = re.search(r"`diffeo_stability/training/hparams\.py`: ([\w, ]+)\)", readme).group(1)
    assert sorted(listed.split(", ")) == sorted(PAPER_DEFAULTS["conv"])


def test_a_bad_setting_fails_at_validation_naming_its_key_once():
    """The cut-off c > 1 and a bad learning rate fail before the DAG is built, each named once
    (not again under the override rules that do not set it)."""
    message = invalid(lambda c: c.update(probe={"cutoffs": [0.8, 3]}))
    assert message.count("probe.cutoffs") == 1 and "0.8 must be a number > 1" in message
    message = invalid(lambda c: c.update(imagenet={"cutoffs": [1]}))
    assert message.count("imagenet.cutoffs") == 1

    def bad_lr(config):
        config["training"] = {
            "families": {"conv": {"lr": -0.1}},
            "overrides": [
                {"archs": ["ResNet18"], "hparams": {"epochs": 2}},
                {"families": ["conv"], "hparams": {"batch_size": 16}},
            ],
        }

    message = invalid(bad_lr)
    assert message.count("lr") == 1 and "training.families.conv.lr: -0.1" in message
    message = invalid(
        lambda c: c.update(
            training={"overrides": [{"hparams": {"epochs": 4, "snapshot_epochs": [2, 6]}}]}
        )
    )
    assert "training.overrides[0].hparams.snapshot_epochs: 6 is after the last epoch" in message


def test_stripe_defaults_have_one_home():
    """The schema's stripe.d and every option default of `diffeo-stability stripe` are the
    StripeConfig field's (but the device: auto, as for every command)."""
    import argparse
    from dataclasses import asdict

    from diffeo_stability.commands import stripe
    from diffeo_stability.stripe.config import StripeConfig

    home = asdict(StripeConfig())
    assert load_schema()["properties"]["stripe"]["properties"]["d"]["default"] == home["d"]
    parser = argparse.ArgumentParser()
    stripe.add_arguments(parser)
    options = vars(parser.parse_args(["--out", "run.json"]))
    assert {key: options[key] for key in home} == home | {"device": "auto"}


def test_a_headline_the_runs_do_not_measure_is_refused():
    assert "probe.headline.c: 7" in invalid(lambda c: c.update(probe={"headline": {"c": 7}}))
    message = invalid(
        lambda c: c.update(probe={"noise_norms": ["mean"], "headline": {"noise_norm": "per_image"}})
    )
    assert "probe.headline.noise_norm" in message
