"""A 1-epoch slice of config/cpu-aug.yaml on synthetic data through the whole workflow (its
default target): two nets under three augmentation options, two seeds, and two more nets under
crop_flip, every probe with the adversarial option."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from workflow_helpers import CONFIGS, snakemake

from diffeo_stability.tables.claims.augmentation import ADV_GAP, LOWERS_R, MILD

pytestmark = pytest.mark.slow


def slice_config() -> dict:
    config = yaml.safe_load((CONFIGS / "cpu-aug.yaml").read_text())
    config["results"] = "results/aug-slice"
    config["data"] = {"synthetic_train": 128, "synthetic_test": 64}
    config["experiments"] = {
        "arms": {
            "datasets": ["synth-cifar10"],
            "archs": ["ResNet18", "LeNet"],
            "P": ["full"],
            "seeds": [0, 1],
            "augmentations": ["none", "crop_flip", "diffeo"],
        },
        "comparison": {
            "datasets": ["synth-cifar10"],
            "archs": ["FullConnL2", "FullConnL4"],
            "P": ["full"],
            "seeds": [0],
            "augmentations": ["crop_flip"],
        },
    }
    config["training"]["overrides"] = [
        {"archs": ["ResNet18"], "hparams": {"width_factor": 0.125}},
        {"hparams": {"batch_size": 32, "epochs": 1, "eval_every": 1}},
    ]
    config["probe"] |= {"n_probe": 16, "cutoffs": [3]}
    config["stripe"] = {"d": 5, "P": [16], "seeds": [0], "args": {"max_steps": 50, "n_test": 64}}
    config["figures"]["note"] = "SYNTHETIC data (a test slice of config/cpu-aug.yaml)"
    return config


def test_a_one_epoch_slice_of_the_augmentation_config_runs(tmp_path) -> None:
    path = tmp_path / "slice.yaml"
    path.write_text(yaml.safe_dump(slice_config()))
    snakemake("--cores", "2", "--configfile", str(path), workdir=tmp_path, timeout=900)
    results = tmp_path / "results/aug-slice"
    assert (results / "train/synth-cifar10/LeNet/Pfull/Adiffeo/seed1/trained.pt").is_file()
    seeds = pd.read_csv(results / "tables/seeds.csv")
    assert set(seeds["augmentation"]) == {"none", "crop_flip", "diffeo"}  # apart, never averaged
    assert seeds["R_adv"].notna().any()
    logavg = pd.read_csv(results / "tables/logavg.csv")
    cells = ["arch", "augmentation", "state", "c", "point", "statistic", "noise_norm"]
    assert not logavg[logavg["is_output"]].duplicated(cells).any()  # one row per option
    assert set(logavg["augmentation"]) == {"none", "crop_flip", "diffeo"}
    training = pd.read_csv(results / "tables/training.csv")
    assert len(training) == 2 * 3 * 2 + 2 and "augmentation" in training
    claims = pd.read_csv(results / "tables/claims.csv", comment="#")
    for claim in (MILD, LOWERS_R, ADV_GAP):  # listed (runs at chance may leave them undecided)
        assert (claims["claim"] == claim).any()
    figures = sorted(p.name for p in (results / "figures").rglob("*.png"))
    assert figures == ["adversarial.png", "diffeo.png", "standard_vs_none.png"]
