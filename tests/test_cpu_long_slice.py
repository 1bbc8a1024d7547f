"""A 1-epoch slice of config/cpu-long.yaml on synthetic data through the whole workflow (its
default target): budgets of 1 and 2 epochs, two seeds, a SOTA and a primitive net."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_helpers import CONFIGS, snakemake

from diffeo_stability.tables.claims.budget import FALLS_WITH_E, SOTA_BELOW

pytestmark = pytest.mark.slow


def slice_config() -> dict:
    config = yaml.safe_load((CONFIGS / "cpu-long.yaml").read_text())
    config["results"] = "results/long-slice"
    config["data"] = {"synthetic_train": 128, "synthetic_test": 64}
    config["experiments"] = {
        "slice": {
            "datasets": ["synth-cifar10"],
            "archs": ["ResNet18", "LeNet"],
            "P": ["full"],
            "seeds": [0, 1],
            "epochs": [1, 2],
        }
    }
    config["training"]["overrides"] = [
        {"archs": ["ResNet18"], "hparams": {"width_factor": 0.125}},
        {"hparams": {"batch_size": 32}},
        {"epochs": [2], "hparams": {"snapshot_epochs": [1, 2]}},
    ]
    config["probe"] |= {"n_probe": 16, "cutoffs": [3]}
    config["stripe"] = {"d": 5, "P": [16], "seeds": [0], "args": {"max_steps": 50, "n_test": 64}}
    config["mechanisms"]["training_time"] = {"epochs": [0, 1, 2], "n_probe": 16}
    config["figures"]["note"] = "SYNTHETIC data (a test slice of config/cpu-long.yaml)"
    return config


def test_a_one_epoch_slice_of_the_long_config_runs(tmp_path) -> None:
    path = tmp_path / "slice.yaml"
    path.write_text(yaml.safe_dump(slice_config()))
    snakemake("--cores", "2", "--configfile", str(path), workdir=tmp_path, timeout=600)
    results = tmp_path / "results/long-slice"
    metrics = json.loads(
        (results / "train/synth-cifar10/LeNet/Pfull/E1/seed1/metrics.json").read_text()
    )
    assert metrics["epochs_run"] == 1 and metrics["hparams"]["schedule"] == "cosine_steps"
    assert (results / "train/synth-cifar10/ResNet18/Pfull/E2/seed0/snapshots/epoch1.pt").is_file()
    seeds = pd.read_csv(results / "tables/seeds.csv")
    assert set(seeds["epochs"]) == {1, 2}  # the budgets apart, never averaged together
    # each mean over seeds is that of its own budget's runs (those that learned: training.csv)
    logavg = pd.read_csv(results / "tables/logavg.csv")
    training = pd.read_csv(results / "tables/training.csv")
    chance = training.loc[training["never_learned"], ["arch", "epochs", "seed"]]
    learned = seeds.merge(chance, how="left", indicator=True).query("_merge == 'left_only'")
    keys = ["arch", "epochs", "state", "c", "point", "layer", "statistic"]
    means = np.exp(np.log(learned["R"]).groupby([learned[k] for k in keys]).mean())
    averaged = logavg[logavg["is_output"]].set_index(keys)["R"]
    assert np.allclose(averaged.loc[means.index], means) and len(means) == len(averaged)
    training_time = pd.read_csv(results / "tables/training_time.csv")
    assert set(training_time["epochs"]) == {2} and set(training_time["epoch"]) == {0, 1, 2}
    claims = pd.read_csv(results / "tables/claims.csv", comment="#")
    for claim in (FALLS_WITH_E, SOTA_BELOW):
        assert (claims[claims["claim"] == claim]["holds"] != "not tested").all()
    figures = sorted(p.name for p in (results / "figures").rglob("*.png"))
    assert figures == ["long_budget.png", "long_plane.png"]
