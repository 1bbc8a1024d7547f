"""A tiny slice of config/cpu.yaml (one net, one data set, one P, one seed, a few steps) through
the workflow on the real data in ../shared/data; skipped when that folder is absent."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml
from workflow_helpers import CONFIGS, snakemake

from diffeo_stability.tables.queries import CHANCE_ERROR_SHARE, CHANCE_LOSS_MARGIN

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason="../shared/data/mnist absent")
def test_a_slice_of_the_cpu_config_runs_on_real_mnist(tmp_path):
    config = yaml.safe_load((CONFIGS / "cpu.yaml").read_text())
    config["data"]["mirrors"] = [str(SHARED_DATA)]
    config["results"] = "results/slice"
    config["experiments"] = {
        "slice": {"datasets": ["mnist"], "archs": ["LeNet"], "P": [100], "seeds": [0]}
    }
    config["training"]["overrides"].append({"hparams": {"epochs": 2, "eval_every": 1}})
    config["probe"] |= {"n_probe": 40, "overrides": []}
    config.pop("mechanisms", None)  # its analyses name runs of the full grid
    path = tmp_path / "slice.yaml"
    path.write_text(yaml.safe_dump(config))
    run = "results/slice/train/mnist/LeNet/P100/seed0"
    snakemake(
        "results/slice/tables/logavg.csv",
        "--cores",
        "2",
        "--configfile",
        str(path),
        workdir=tmp_path,
        timeout=600,
    )
    metrics = json.loads((tmp_path / run / "metrics.json").read_text())
    assert metrics["dataset"] == "mnist" and metrics["epochs_run"] == 2
    assert metrics["n_train"] == 100 and 0 < metrics["test_error"] < 0.9
    tables = tmp_path / "results/slice/tables"
    stability = pd.read_parquet(tables / "stability.parquet")
    headline = stability[(stability.point == "delta1") & (stability.c == 3) & stability.is_output]
    assert set(headline.state) == {"init", "trained"} and (headline.R > 0).all()
    assert (stability.P == 100).all()
    # two SGD steps on 100 images may leave the net at chance: then training.csv names the
    # run and the geometric means leave it out
    training = pd.read_csv(tables / "training.csv")
    loss, error = training.final_train_loss.iloc[0], training.test_error.iloc[0]
    at_chance = loss >= math.log(10) - CHANCE_LOSS_MARGIN and error >= CHANCE_ERROR_SHARE * 0.9
    assert training.never_learned.tolist() == [at_chance]
    logavg = pd.read_csv(tables / "logavg.csv")
    assert logavg.empty == at_chance
