"""Mechanisms over training time on a tiny synthetic run (VGG11 at 1/8 width, 3 epochs):
probing its snapshots, the training-time table, the 3x3 filter spectra, the config block.
Known answers: every snapshot of a run sees the same diffeos (same ||tau x - x||); a snapshot's
test error is its checkpoint's; the filter energies of a layer sum to its mean squared filter
norm; epoch 0 is the initial net."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
import torch
from test_train import toy_dataset

from diffeo_stability.config import BLOCKS, Run, training_time_runs, validate_config
from diffeo_stability.config.blocks import block_section
from diffeo_stability.data.images import save_dataset
from diffeo_stability.errors import ConfigError, DataError
from diffeo_stability.io import write_parquet
from diffeo_stability.mechanisms.filter_spectrum import checkpoint_epoch, filter_spectrum
from diffeo_stability.mechanisms.training_time import training_time_table
from diffeo_stability.mechanisms.training_time_settings import TrainingTimeSettings
from diffeo_stability.models.build import snapshot_path
from diffeo_stability.probe.settings import ProbeSettings
from diffeo_stability.probe.training_run import probe_training_run
from diffeo_stability.tables.headline import Headline
from diffeo_stability.training.hparams import resolve_arch_hparams
from diffeo_stability.training.trainer import RunConfig, train

SNAPSHOTS = [1, 3]
SETTINGS = ProbeSettings(n_probe=8, cutoffs=(3.0,), interpolations=("bilinear",), sweep_points=0)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(run folder, data .npz) of a VGG11-1/8 run keeping snapshots after epochs 1 and 3."""
    folder = tmp_path_factory.mktemp("mechanisms")
    data = toy_dataset(n_train=96, n_test=32, channels=3, side=32)
    save_dataset(folder / "toy.npz", data)
    overrides = {"epochs": 3, "batch_size": 32, "lr": 0.02, "width_factor": 0.125}
    hp = resolve_arch_hparams("VGG11", overrides | {"snapshot_epochs": SNAPSHOTS})
    config = RunConfig("VGG11", 96, 0, hp, folder / "run", deterministic=True)
    train(data, config)
    return folder / "run", folder / "toy.npz"


@pytest.fixture(scope="module")
def probes(run) -> pd.DataFrame:
    run_dir, data = run
    return probe_training_run(
        run_dir,
        data,
        SETTINGS,
        dataset="toy",
        arch="VGG11",
        P="96",
        seed=0,
        snapshots=[0, *SNAPSHOTS],
    )


def test_snapshot_probes_share_their_draws_and_carry_their_test_errors(run, probes) -> None:
    run_dir, _ = run
    assert sorted(set(probes["epoch"])) == [0, 1, 3]
    states = probes.groupby("epoch")["state"].first().to_dict()
    assert states == {0: "init", 1: "snapshot", 3: "snapshot"}
    norms = probes.groupby("epoch")["diffeo_norm"].first()
    assert norms[1] == norms[3]  # the same diffeos for every snapshot of the run
    for epoch in SNAPSHOTS:
        kept = torch.load(snapshot_path(run_dir, epoch), weights_only=True)["test_error"]
        assert (probes.loc[probes["epoch"] == epoch, "test_error"] == kept).all()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (probes.loc[probes["epoch"] == 0, "test_error"] == metrics["init_test_error"]).all()


def test_training_time_table_holds_one_row_per_epoch_and_statistic(probes, tmp_path) -> None:
    paths = []
    for seed in (1, 0):  # two "runs", in the wrong order
        paths.append(tmp_path / f"seed{seed}.parquet")
        write_parquet(paths[-1], probes.assign(seed=seed))
    table = training_time_table(paths)
    assert len(table) == 2 * 3 * 2  # seeds x epochs x statistics (median, mean)
    assert table["seed"].tolist() == sorted(table["seed"])
    assert table.groupby("seed")["epoch"].apply(list).tolist() == [[0, 0, 1, 1, 3, 3]] * 2
    assert table["is_output"].all()


def test_filter_spectrum_of_init_and_snapshots(run) -> None:
    run_dir, _ = run
    paths = [run_dir / "init.pt", *(snapshot_path(run_dir, e) for e in SNAPSHOTS)]
    table = filter_spectrum(paths)
    assert sorted(set(table["epoch"])) == [0, 1, 3]
    assert sorted(set(table["eigenvalue"])) == [0, 1, 2, 3, 4, 6]
    init = torch.load(run_dir / "init.pt", weights_only=True)["state_dict"]
    convs = [k for k, v in init.items() if v.dim() == 4 and v.shape[-1] == 3]
    assert table["layer"].nunique() == len(convs) == 8  # VGG11: 8 convolutions, all 3x3
    first = table[(table["epoch"] == 0) & (table["layer"] == 1)]
    weights = init[convs[0]].double()
    assert first["n_filters"].iloc[0] == weights.shape[0] * weights.shape[1]
    mean_square = float((weights**2).sum(dim=(2, 3)).mean())
    assert np.isclose(first["energy"].sum(), mean_square, rtol=1e-12)
    assert table[["dataset", "arch", "P", "seed"]].iloc[0].tolist() == ["toy", "VGG11", "96", 0]


def test_checkpoint_epochs_from_file_names(tmp_path) -> None:
    assert checkpoint_epoch(tmp_path / "run" / "init.pt") == (tmp_path / "run", 0)
    assert checkpoint_epoch(snapshot_path(tmp_path / "run", 12)) == (tmp_path / "run", 12)
    with pytest.raises(DataError, match="trained.pt: neither"):
        checkpoint_epoch(tmp_path / "run" / "trained.pt")


GOOD = {
    "experiments": {
        "a": {"datasets": ["mnist"], "archs": ["LeNet", "VGG11"], "P": [512], "seeds": [0, 1]}
    },
    "training": {"overrides": [{"archs": ["LeNet"], "hparams": {"snapshot_epochs": [1, 5]}}]},
}


def _config(block: dict | None = None) -> dict:
    config = copy.deepcopy(GOOD)
    if block is not None:
        config["mechanisms"] = {"training_time": copy.deepcopy(block)}
    return validate_config(config)


def test_the_block_selects_the_runs_with_snapshots() -> None:
    runs = training_time_runs(_config())
    assert runs == {Run("mnist", "LeNet", 512, s): (0, 1, 5) for s in (0, 1)}
    assert training_time_runs(_config({"seeds": [1], "epochs": [0, 5]})) == {
        Run("mnist", "LeNet", 512, 1): (0, 5)
    }
    config = copy.deepcopy(GOOD)
    del config["training"]
    assert training_time_runs(validate_config(config)) == {}  # no snapshots: nothing to do


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"archs": ["VGG11"]}, "mechanisms.training_time: no configured run with snapshot_epochs"),
        ({"epochs": [0, 2]}, r"mechanisms.training_time.epochs: \[2\] not kept by run mnist/LeNet"),
        ({"epochs": [5, 1]}, "mechanisms.training_time.epochs: .* must be strictly increasing"),
        ({"n_probe": 20000}, "mechanisms.training_time.n_probe: 20000 is larger than the test set"),
        ({"n_probe": 1}, "mechanisms.training_time.n_probe: 1 must be an integer >= 2"),
        ({"seeds": [0, -1]}, "mechanisms.training_time.seeds: -1 must be an integer >= 0"),
        ({"archs": "LeNet"}, "mechanisms.training_time.archs: 'LeNet' is not of type 'array'"),
        ({"archs": ["LeNet5"]}, r"mechanisms.training_time.archs\[0\]: 'LeNet5' is not allowed"),
        ({"epoch": [1]}, r"mechanisms.training_time: Additional .* \('epoch' was unexpected\)"),
    ],
)
def test_a_bad_block_fails_validation_naming_the_key(block, message) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        _config(block)
    assert len(str(raised.value).splitlines()) == 2  # "invalid configuration:", one problem


def test_a_block_within_a_section_is_built_apart_and_probes_the_headline_point() -> None:
    """`mechanisms.training_time` is a `BLOCKS` entry of its own: filled with its defaults, left
    out of an enclosing `mechanisms` block; its probe jobs measure the headline point only."""
    config = _config({"seeds": [1]})
    assert BLOCKS["mechanisms.training_time"] is TrainingTimeSettings
    assert config["mechanisms"]["training_time"] == {"seeds": [1], "n_probe": 200}
    assert block_section({"mechanisms": {"training_time": {}, "other": 1}}, "mechanisms") == {
        "other": 1
    }
    settings = TrainingTimeSettings(n_probe=16).probe_settings(
        ProbeSettings(cutoff_rule="disk", deltas=(0.5,)), Headline(c=5, noise_norm="mean")
    )
    assert settings == ProbeSettings(
        n_probe=16,
        cutoffs=(5.0,),
        cutoff_rule="disk",
        interpolations=("bilinear",),
        deltas=(0.5,),
        sweep_points=0,
        layers=False,
        noise_norms=("mean",),
    )


def test_bad_snapshot_epochs_in_the_config_fail_naming_the_key() -> None:
    config = copy.deepcopy(GOOD)
    config["training"]["overrides"][0]["hparams"]["snapshot_epochs"] = [0, 1]
    message = r"training.overrides\[0\].hparams.snapshot_epochs: 0 must be an integer >= 1"
    with pytest.raises(ConfigError, match=message) as raised:
        validate_config(config)
    assert str(raised.value).count("snapshot_epochs") == 1  # once: not again by the block
