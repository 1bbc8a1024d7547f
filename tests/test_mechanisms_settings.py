"""The `mechanisms` config block: defaults, checks, selection of nets, the command line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from workflow_helpers import ROOT

from diffeo_stability.cli import main
from diffeo_stability.config import training_runs, validate_config
from diffeo_stability.data.images import ImageDataset, save_dataset
from diffeo_stability.errors import ConfigError
from diffeo_stability.io import torch_save
from diffeo_stability.mechanisms.run import spread_indices
from diffeo_stability.mechanisms.settings import (
    DistanceSettings,
    MechanismsSettings,
    selected_runs,
)
from diffeo_stability.models.build import build_model, checkpoint_dict
from diffeo_stability.workflow import mechanism_runs


class Run(NamedTuple):
    dataset: str
    arch: str
    P: int | str
    seed: int


def test_defaults_are_valid_and_lists_become_tuples() -> None:
    settings = MechanismsSettings.from_config({"distance": {"deltas": [1, 2]}, "seeds": [1]})
    assert settings.distance.deltas == (1, 2) and settings.seeds == (1,)
    assert settings.shuffle == MechanismsSettings().shuffle


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"distance": {"n_image": 3}}, "distance.n_image: unknown key"),
        ({"shuffle": {"permutations": 0}}, "shuffle.permutations"),
        ({"diffeo_parts": {"patch_sizes": [40]}}, "diffeo_parts.patch_sizes"),
        ({"distance": {"lambdas": [0.5, 2]}}, "distance.lambdas"),
        ({"archs": ["ResNet9"]}, "archs: unknown architectures ['ResNet9']"),
        ({"filters": {}}, "filters: unknown key"),
        ({"spectra": 3}, "spectra: must be a mapping"),
    ],
)
def test_bad_settings_name_their_key(mapping: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        MechanismsSettings.from_config(mapping)


def test_a_sub_block_is_one_field_line() -> None:
    @dataclass(frozen=True)
    class Extended(MechanismsSettings):
        extra: DistanceSettings = field(default_factory=DistanceSettings)

    assert Extended.from_config({"extra": {"n_images": 5}}).extra.n_images == 5


def test_config_validation_reports_the_block() -> None:
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    config["mechanisms"] = {"shuffle": {"n_test": 0}}
    with pytest.raises(ConfigError, match="mechanisms.shuffle.n_test"):
        validate_config(config)


def test_the_largest_P_and_the_smallest_seed_of_each_net_are_measured() -> None:
    runs = [
        Run(d, a, P, s)
        for d in ("mnist", "cifar10")
        for a in ("ResNet18", "VGG11", "LeNet")
        for P in (100, 1000, "full")
        for s in (1, 0)
    ]
    chosen = selected_runs(MechanismsSettings(), runs)
    assert {(r.arch, r.P, r.seed) for r in chosen} == {
        ("ResNet18", "full", 0),
        ("VGG11", "full", 0),
    }
    assert len(chosen) == 4
    few = runs[:8]  # mnist ResNet18 up to P = full... and VGG11 at P = 100
    picked = selected_runs(MechanismsSettings(datasets=("mnist",), seeds=(0, 1)), few)
    assert {(r.arch, r.P) for r in picked} == {("ResNet18", "full"), ("VGG11", 100)}
    assert len(picked) == 4


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("run")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (12, 3, 32, 32), dtype=np.uint8)
    y = rng.integers(0, 3, 12).astype(np.int64)
    save_dataset(root / "toy.npz", ImageDataset("toy", x, y, x, y, ["a", "b", "c"]))
    for name, error in (("init", 0.9), ("trained", 0.25)):
        torch.manual_seed(0 if name == "init" else 1)
        model = build_model("VGG11bn", 3, 32, 3, None, width_factor=0.125)
        meta = checkpoint_dict(model, "VGG11bn", {"width_factor": 0.125}, 3, 32, 3, None, 0, error)
        torch_save(root / f"{name}.pt", meta)
    return root, root / "toy.npz"


def test_the_command_writes_a_table_of_both_states(run_dir, tmp_path: Path) -> None:
    root, data = run_dir
    settings = json.dumps({"spectra": {"n_images": 4}})
    out = tmp_path / "spectra.csv"
    args = ["mechanisms", "spectra", "--run-dir", str(root), "--data", str(data)]
    args += ["--dataset", "toy", "--arch", "VGG11bn", "--P", "12", "--seed", "0"]
    convention = ["--c", "3", "--delta", "1", "--interpolation", "bilinear"]
    convention += ["--cutoff-rule", "disk", "--noise-norms", "per_image"]
    args += convention
    assert main([*args, "--out", str(out), "--settings", settings, "--device", "cpu"]) == 0
    table = pd.read_csv(out)
    assert set(table["state"]) == {"init", "trained"}
    assert (table[["dataset", "arch", "P", "seed"]].drop_duplicates().values.tolist()) == [
        ["toy", "VGG11bn", 12, 0]
    ]
    assert main(["mechanisms", "shuffle", "--out", str(out), *convention]) == 1  # needs a run


def test_the_table_command_collects_runs_and_writes_a_header_without_any(tmp_path: Path) -> None:
    for k in range(2):
        pd.DataFrame(
            {"dataset": ["d"], "arch": ["a"], "P": [k], "seed": [0], "state": ["init"]}
        ).to_csv(tmp_path / f"{k}.csv", index=False)
    out = tmp_path / "all.csv"
    assert (
        main(
            [
                "mechanisms-table",
                "--out",
                str(out),
                str(tmp_path / "0.csv"),
                str(tmp_path / "1.csv"),
            ]
        )
        == 0
    )
    assert pd.read_csv(out)["P"].tolist() == [0, 1]
    assert main(["mechanisms-table", "--out", str(out)]) == 0
    assert pd.read_csv(out).empty and "state" in pd.read_csv(out)


def test_test_images_are_spread_over_a_test_set_stored_by_class() -> None:
    labels = np.repeat(np.arange(10), 100)  # a class-folder conversion: sorted by class
    chosen = spread_indices(len(labels), 50)
    assert len(chosen) == 50 and np.bincount(labels[chosen]).tolist() == [5] * 10
    assert spread_indices(7, 20).tolist() == list(range(7))


def test_the_cpu_config_measures_four_nets_at_the_largest_P_and_substitution_reaches_them() -> None:
    config = yaml.safe_load((ROOT / "config" / "cpu.yaml").read_text())
    config["data"]["substitute"] = {"cifar10": "cifar10-jpeg"}  # the published run
    validate_config(config)
    assert config["mechanisms"]["datasets"] == ["cifar10-jpeg"]
    runs = mechanism_runs(config, training_runs(config))
    assert {(r.dataset, r.P, r.seed) for r in runs} == {("cifar10-jpeg", 50000, 0)}
    assert sorted(r.arch for r in runs) == ["ResNet18", "VGG11", "VGG11bn", "VGG16bn"]
