"""The training budget as a grid dimension: `experiments.NAME.epochs`."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from diffeo_stability.config import Run, run_hparams, training_runs, validate_config
from diffeo_stability.errors import ConfigError
from diffeo_stability.workflow import (
    built_figures,
    has_budgets,
    run_constraints,
    train_priority,
    train_rules,
    validate_workflow_config,
)

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = {
    "experiments": {
        "long": {
            "datasets": ["cifar10"],
            "archs": ["LeNet"],
            "P": [50000],
            "seeds": [0, 1],
            "epochs": [4, 32],
        },
        "plain": {"datasets": ["cifar10"], "archs": ["LeNet"], "P": [50000], "seeds": [0]},
    },
    "training": {"overrides": [{"epochs": [32], "hparams": {"snapshot_epochs": [1, 32]}}]},
}


def test_each_budget_is_a_run_of_its_own_and_sets_its_epochs() -> None:
    config = validate_config(copy.deepcopy(BUDGETS))
    runs = training_runs(config)
    assert len(runs) == 2 * 2 + 1 and has_budgets(runs)
    run = Run("cifar10", "LeNet", 50000, 1, 32)
    assert run in runs and run.variant == "/E32" and run.name() == "cifar10/LeNet/P50000/E32/seed1"
    hparams = run_hparams(config, run)
    assert hparams.epochs == hparams.eval_every == 32  # the probed net: the end point
    assert hparams.snapshot_epochs == (1, 32)  # the override's `epochs` filter
    assert run_hparams(config, Run("cifar10", "LeNet", 50000, 1, 4)).snapshot_epochs == ()
    # the run without a budget keeps its identity: no path segment, the family's epochs
    plain = Run("cifar10", "LeNet", 50000, 0)
    assert plain in runs and plain.variant == "" and plain.wildcards()["variant"] == ""
    assert run_hparams(config, plain).epochs == 250
    assert run_constraints(run)["variant"] == "/E32" and "epochs" not in run_constraints(run)
    assert run_constraints(plain)["variant"] == "(?:)"  # the empty string only
    names = [name for name, rule_run, _ in train_rules(config) if rule_run is not None]
    assert names == ["train_cifar10_LeNet_P50000_E32_seed0", "train_cifar10_LeNet_P50000_E32_seed1"]


@pytest.mark.parametrize("name", ["cpu", "smoke", "paper"])
def test_configs_without_budgets_keep_their_runs(name: str) -> None:
    config = validate_config(yaml.safe_load((ROOT / "config" / f"{name}.yaml").read_text()))
    assert not has_budgets(training_runs(config))


def test_a_bad_budget_is_refused_naming_the_key() -> None:
    config = copy.deepcopy(BUDGETS)
    config["experiments"]["long"]["epochs"] = [0]
    with pytest.raises(ConfigError, match="epochs"):
        validate_workflow_config(config)


def test_a_config_with_budgets_draws_only_the_figures_of_its_budgets() -> None:
    inputs = ["logavg", "training", "stripe", "training_time", "filter_spectrum"]
    assert "long_plane" not in {f.name for f in built_figures(inputs)}
    drawn = {f.name for f in built_figures([*inputs, "budgets"])}
    assert drawn == {"long_budget", "long_plane"}


def test_the_long_config_trains_four_nets_at_three_budgets() -> None:
    config = validate_workflow_config(
        yaml.safe_load((ROOT / "config" / "cpu-long.yaml").read_text())
    )
    runs = training_runs(config)
    assert {r.arch for r in runs} == {"ResNet18", "VGG11bn", "LeNet", "FullConnL4"}
    assert {r.epochs for r in runs} == {4, 8, 32} and {r.P for r in runs} == {50000}
    assert len(runs) == 4 * 2 * 3
    for run in runs:
        hparams = run_hparams(config, run)
        assert hparams.schedule == "cosine_steps" and hparams.epochs == run.epochs
        assert hparams.snapshot_epochs == ((1, 2, 4, 8, 16, 32) if run.epochs == 32 else ())


def test_the_longest_runs_of_a_budget_grid_start_first() -> None:
    config = validate_config(copy.deepcopy(BUDGETS))
    priorities = {name: train_priority(run) for name, run, _ in train_rules(config)}
    assert priorities == {
        "train": 0,
        "train_cifar10_LeNet_P50000_E32_seed0": 1,
        "train_cifar10_LeNet_P50000_E32_seed1": 1,
    }
    assert train_priority(Run("cifar10", "LeNet", 50000, 0)) == 0
