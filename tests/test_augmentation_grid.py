"""The augmentation option as a grid dimension: `experiments.NAME.augmentations`."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from diffeo_stability.config import Run, run_hparams, training_runs, validate_config
from diffeo_stability.errors import ConfigError
from diffeo_stability.preflight.cost import job_count
from diffeo_stability.workflow import (
    built_figures,
    has_augmentations,
    run_constraints,
    validate_workflow_config,
)

ROOT = Path(__file__).resolve().parents[1]
ARMS = {
    "experiments": {
        "arms": {
            "datasets": ["cifar10"],
            "archs": ["LeNet"],
            "P": [5000],
            "seeds": [0, 1],
            "augmentations": ["none", "crop_flip+diffeo"],
        },
        "plain": {"datasets": ["cifar10"], "archs": ["LeNet"], "P": [5000], "seeds": [0]},
    },
    "training": {
        "overrides": [{"augmentations": ["crop_flip+diffeo"], "hparams": {"diffeo_cut_max": 9}}]
    },
}


def test_each_option_is_a_run_of_its_own_and_sets_its_augmentation() -> None:
    config = validate_config(copy.deepcopy(ARMS))
    runs = training_runs(config)
    assert len(runs) == 2 * 2 + 1 and has_augmentations(runs)
    run = Run("cifar10", "LeNet", 5000, 1, augmentation="crop_flip+diffeo")
    assert run in runs and run.variant == "/Acrop_flip+diffeo"
    assert run.name() == "cifar10/LeNet/P5000/Acrop_flip+diffeo/seed1"
    hparams = run_hparams(config, run)
    assert hparams.augmentation == "crop_flip+diffeo" and hparams.diffeo_cut_max == 9
    none = run_hparams(config, Run("cifar10", "LeNet", 5000, 1, augmentation="none"))
    assert none.augmentation == "none" and none.diffeo_cut_max != 9  # the override's filter
    # the run without an option keeps its identity: no path segment, the data set's own
    plain = Run("cifar10", "LeNet", 5000, 0)
    assert (
        plain in runs and plain.variant == "" and run_hparams(config, plain).augmentation == "auto"
    )
    assert run_constraints(run)["variant"] == "/Acrop_flip\\+diffeo"
    assert "augmentation" not in run_constraints(run)


def test_a_budget_and_an_option_make_one_path_segment_each() -> None:
    run = Run("cifar10", "LeNet", 5000, 0, epochs=8, augmentation="diffeo")
    assert run.variant == "/E8/Adiffeo" and run.wildcards()["variant"] == "/E8/Adiffeo"


@pytest.mark.parametrize("name", ["cpu", "smoke", "paper"])
def test_configs_without_options_keep_their_runs(name: str) -> None:
    config = validate_config(yaml.safe_load((ROOT / "config" / f"{name}.yaml").read_text()))
    assert not has_augmentations(training_runs(config))


def test_a_bad_option_is_refused_naming_the_key() -> None:
    config = copy.deepcopy(ARMS)
    config["experiments"]["arms"]["augmentations"] = ["rotate"]
    with pytest.raises(ConfigError, match="augmentations"):
        validate_workflow_config(config)


def test_a_config_with_options_draws_only_the_augmentation_figures() -> None:
    inputs = ["logavg", "training", "stripe"]
    assert "augmentation_diffeo" not in {f.name for f in built_figures(inputs)}
    drawn = {f.name for f in built_figures([*inputs, "augmentations", "adversarial"])}
    assert drawn == {"augmentation_standard", "augmentation_diffeo", "augmentation_adversarial"}


def test_the_augmentation_config() -> None:
    config = validate_workflow_config(
        yaml.safe_load((ROOT / "config" / "cpu-aug.yaml").read_text())
    )
    runs = training_runs(config)
    arms = [r for r in runs if r.arch in ("ResNet18", "LeNet")]
    assert {r.augmentation for r in arms} == {"none", "crop_flip", "diffeo", "crop_flip+diffeo"}
    assert len(arms) == 2 * 4 * 2 * 4 and {r.P for r in arms} == {1600, 5000, 16000, 50000}
    others = [r for r in runs if r not in arms]
    assert len(others) == 8 and {(r.P, r.seed, r.augmentation) for r in others} == {
        (50000, 0, "crop_flip")
    }
    assert len({r.arch for r in runs if r.P == 50000}) == 10  # the nets of Fig. 5
    for run in runs:
        hparams = run_hparams(config, run)
        assert hparams.augmentation == run.augmentation
        assert hparams.epochs == {1600: 50, 5000: 16, 16000: 6, 50000: 4}[run.P]
    assert job_count(config) > 2 * len(runs)
