"""Aggregation tables: geometric means over seeds on a hand-made example, training rows."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diffeo_stability.commands import aggregate as aggregate_command
from diffeo_stability.io import write_json, write_parquet
from diffeo_stability.tables.aggregate import (
    GROUP_KEYS,
    SEED_COLUMNS,
    TRAINING_COLUMNS,
    log_average,
    stability_table,
    training_table,
)
from diffeo_stability.tables.columns import ADVERSARIAL_COLUMNS, PROBE_COLUMNS
from diffeo_stability.tables.queries import chance_runs


def probe_rows(seed: int, R: float, error: float, state: str = "trained") -> pd.DataFrame:
    """One output row of a fake run with D = 2 R, G = 2 (so R = D / G)."""
    row = {
        "dataset": "toy",
        "arch": "Net",
        "P": 100,
        "n_train": 100,
        "epochs": 3,  # the epochs_run of `metrics` (a run and its probe rows agree)
        "augmentation": "none",  # a data set outside the registry: none
        "seed": seed,
        "state": state,
        "interpolation": "bilinear",
        "c": 3.0,
        "cutoff_rule": "disk",
        "T": 1e-3,
        "delta": 1.0,
        "point": "delta1",
        "layer": 4,
        "layer_name": "fc",
        "is_output": True,
        "statistic": "median",
        "noise_norm": "per_image",
        "D": 2 * R,
        "G": 2.0,
        "R": R,
        "D_raw": 2 * R,
        "G_raw": 2.0,
        "pair_norm": 1.0,
        "diffeo_norm": 3.0,
        "noise_norm_value": 3.0,
        "test_error": error,
        "n_probe": 10,
        **dict.fromkeys(ADVERSARIAL_COLUMNS, math.nan),  # the option off
    }
    return pd.DataFrame([row]).astype(PROBE_COLUMNS)


def test_geometric_means_over_seeds_by_hand() -> None:
    table = pd.concat(
        [probe_rows(0, 0.01, 0.1), probe_rows(1, 0.04, 0.4), probe_rows(2, 1.0, 0.5, "init")],
        ignore_index=True,
    )
    averaged = log_average(table)
    assert list(averaged.columns) == [
        *GROUP_KEYS,
        "n_seeds",
        "n_undefined",
        "R",
        "R_logstd",
        "D",
        "D_logstd",
        "G",
        "G_logstd",
        "test_error",
        "test_error_logstd",
    ]
    out = averaged.set_index("state")
    trained, init = out.loc["trained"], out.loc["init"]
    assert trained.n_seeds == 2 and init.n_seeds == 1
    assert trained.R == pytest.approx(0.02)  # sqrt(0.01 * 0.04)
    assert trained.D == pytest.approx(0.04) and trained.G == pytest.approx(2.0)
    assert trained.test_error == pytest.approx(0.2)  # sqrt(0.1 * 0.4)
    # std (ddof = 1) of (log 0.01, log 0.04) = |log 4| / sqrt 2
    assert trained.R_logstd == pytest.approx(math.log(4) / math.sqrt(2))
    assert trained.G_logstd == pytest.approx(0.0)
    assert init.R == pytest.approx(1.0) and init.R_logstd == 0.0 and init.test_error_logstd == 0


def metrics(path: Path, **overrides: object) -> Path:
    content = {
        "arch": "Net",
        "dataset": "toy",
        "P": 512,
        "n_train": 512,
        "seed": 2,
        "epochs_run": 3,
        "hparams": {"width_factor": 0.25},
        "history": {"test_error": [0.5, 0.3, 0.35], "train_loss": [2.1, 1.2, 0.8]},
        "init_test_error": 0.9,
        "best_epoch": 2,
        "test_error": 0.3,
        "last_test_error": 0.35,
        "device": "cpu",
        "precision": "fp32",
        "wall_time_s": 12.0,
        "images_per_s": 128.0,
    }
    content.update(overrides)
    write_json(path, content)
    return path


def test_training_rows_read_metrics_and_fall_back_on_the_path(tmp_path: Path) -> None:
    full = metrics(tmp_path / "a.json")
    sparse_path = tmp_path / "toy" / "Net" / "Pfull" / "seed7" / "metrics.json"
    write_json(sparse_path, {"test_error": 0.1, "history": {"test_error": [0.2, 0.1, 0.15]}})
    table = training_table([sparse_path, full])
    assert list(table.columns) == TRAINING_COLUMNS
    first, second = table.iloc[0], table.iloc[1]  # sorted: P 512 before the unknown full size
    assert (first.P, first.seed, first.epochs, first.final_test_error) == (512, 2, 3, 0.35)
    assert first.final_train_loss == 0.8 and pd.isna(second.final_train_loss)
    assert first.width_factor == 0.25 and pd.isna(second.width_factor)
    # a run of the full set without n_train: its size, hence P, is not known
    assert pd.isna(second.P) and (second.seed, second.epochs) == (7, 3)
    assert not table.never_learned.any()
    assert second.final_test_error == 0.15 and pd.isna(second.n_train)


def test_command_reads_an_argsfile(tmp_path: Path) -> None:
    probes = []
    for seed, R in ((0, 0.5), (1, 2.0)):
        probes.append(tmp_path / f"seed{seed}.parquet")
        write_parquet(probes[-1], probe_rows(seed, R, 0.3))
    argsfile = tmp_path / "inputs.args"
    argsfile.write_text(
        "".join(
            f"{a}\n"
            for a in ["--probe", *map(str, probes), "--metrics", str(metrics(tmp_path / "m.json"))]
        )
    )
    out = {
        k: tmp_path / "tables" / name
        for k, name in (
            ("stability", "s.parquet"),
            ("logavg", "l.csv"),
            ("training", "t.csv"),
            ("seeds", "seeds.csv"),
        )
    }
    parser = argparse.ArgumentParser()
    aggregate_command.add_arguments(parser)
    aggregate_command.run(
        parser.parse_args(
            [
                f"@{argsfile}",
                "--out-stability",
                str(out["stability"]),
                "--out-logavg",
                str(out["logavg"]),
                "--out-training",
                str(out["training"]),
                "--out-seeds",
                str(out["seeds"]),
            ]
        )
    )
    stability = pd.read_parquet(out["stability"])
    assert {k: str(v) for k, v in stability.dtypes.items()} == PROBE_COLUMNS
    pd.testing.assert_frame_equal(stability, stability_table(probes))
    logavg = pd.read_csv(out["logavg"])
    assert len(logavg) == 1 and logavg.R[0] == pytest.approx(1.0)
    assert logavg.R_logstd[0] == pytest.approx(np.std(np.log([0.5, 2.0]), ddof=1))
    assert pd.read_csv(out["training"]).test_error.tolist() == [0.3]
    seeds = pd.read_csv(out["seeds"])
    assert list(seeds.columns) == SEED_COLUMNS
    assert sorted(seeds.R) == pytest.approx([0.5, 2.0]) and set(seeds.seed) == {0, 1}


def test_undefined_runs_are_left_out_and_counted() -> None:
    """A collapsed seed (R NaN) does not enter the mean; it is counted in n_undefined."""
    table = pd.concat(
        [probe_rows(0, 0.01, 0.1), probe_rows(1, math.nan, 0.4), probe_rows(2, 1.0, 0.5, "init")],
        ignore_index=True,
    )
    out = log_average(table).set_index("state")
    assert out.loc["trained", "n_undefined"] == 1 and out.loc["init", "n_undefined"] == 0
    assert out.loc["trained", "R"] == pytest.approx(0.01)


def test_probe_files_of_the_full_set_with_a_text_P_are_read_as_integers(tmp_path: Path) -> None:
    """Probe files written before P was an integer ("full", "512") are read with P = n_train."""
    old = pd.concat([probe_rows(0, 0.5, 0.3), probe_rows(1, 0.5, 0.3)], ignore_index=True)
    old = old.astype({"P": "object"})
    old["P"] = ["full", "100"]
    write_parquet(tmp_path / "old.parquet", old)
    table = stability_table([tmp_path / "old.parquet"])
    assert table["P"].dtype == "int64" and table["P"].tolist() == [100, 100]


def test_a_training_at_chance_is_named_and_left_out_of_the_means(tmp_path: Path) -> None:
    """A final training loss within 0.05 of ln 10 with a test error at chance marks a run that
    never learned: training.csv flags it and the geometric means leave out its probe rows."""
    paths = [
        metrics(tmp_path / "a.json", dataset="cifar10", seed=0),
        metrics(
            tmp_path / "b.json",
            dataset="cifar10",
            seed=1,
            test_error=0.9,
            history={"test_error": [0.9], "train_loss": [2.3026]},
        ),
    ]
    training = training_table(paths)
    assert training.never_learned.tolist() == [False, True]
    stability = pd.concat(
        [probe_rows(0, 0.5, 0.3), probe_rows(1, 50.0, 0.9)], ignore_index=True
    ).assign(dataset="cifar10", augmentation="crop_flip", P=512, n_train=512)
    averaged = log_average(stability, chance_runs(training))
    assert averaged.n_seeds.tolist() == [1] and averaged.R.tolist() == pytest.approx([0.5])
    assert log_average(stability).R.tolist() == pytest.approx([5.0])  # sqrt(0.5 x 50)
