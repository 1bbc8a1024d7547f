"""`diffeo-stability probe` on a tiny synthetic training run: schema, states, determinism."""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from diffeo_stability.commands import probe as probe_command
from diffeo_stability.data.images import ImageDataset, save_dataset
from diffeo_stability.device import retain_freed_memory
from diffeo_stability.io import torch_save
from diffeo_stability.models.build import build_model, checkpoint_dict
from diffeo_stability.probe.training_run import probe_training_run
from diffeo_stability.tables.columns import PROBE_COLUMNS

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run dir with init.pt / trained.pt of a batch-norm net, and a 28 px dataset."""
    root = tmp_path_factory.mktemp("run")
    rng = np.random.default_rng(0)
    data = ImageDataset(
        "toy",
        rng.integers(0, 256, (20, 1, 28, 28), dtype=np.uint8),
        rng.integers(0, 3, 20).astype(np.int64),
        rng.integers(0, 256, (12, 1, 28, 28), dtype=np.uint8),
        rng.integers(0, 3, 12).astype(np.int64),
        ["a", "b", "c"],
    )
    save_dataset(root / "toy.npz", data)
    for name, error in (("init", 0.9), ("trained", 0.25)):
        torch.manual_seed(0 if name == "init" else 1)
        model = build_model("VGG11bn", 1, 28, 3, ([0.5], [0.5]))
        torch_save(
            root / f"{name}.pt",
            checkpoint_dict(model, "VGG11bn", {}, 1, 28, 3, ([0.5], [0.5]), 0, error),
        )
    return root, root / "toy.npz"


ARGS = [
    "--dataset",
    "toy",
    "--arch",
    "VGG11bn",
    "--P",
    "full",
    "--seed",
    "3",
    "--settings",
    '{"n_probe": 6, "cutoffs": [3], "interpolations": ["bilinear"], "sweep_points": 1}',
    "--device",
    "cpu",
]


def test_cli_writes_the_contract_schema(
    run: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir, data = run
    retained = []
    monkeypatch.setattr(
        probe_command, "retain_freed_memory", lambda: retained.append(retain_freed_memory())
    )
    out = tmp_path / "probe" / "seed3.parquet"
    parser = argparse.ArgumentParser()
    probe_command.add_arguments(parser)
    probe_command.run(
        parser.parse_args(
            ["--run-dir", str(run_dir), "--data", str(data), "--out", str(out), *ARGS]
        )
    )
    rows = pd.read_parquet(out)
    assert list(rows.columns) == list(PROBE_COLUMNS)
    assert {k: str(v) for k, v in rows.dtypes.items()} == PROBE_COLUMNS
    assert set(rows.state) == {"init", "trained"}
    # P is an integer: the run of the full set writes the set's size (20 images)
    assert (rows.P == 20).all() and (rows.n_train == 20).all() and (rows.n_probe == 6).all()
    errors = rows.groupby("state").test_error.unique()
    assert errors["init"] == [0.9] and errors["trained"] == [0.25]
    delta1 = rows[rows.point == "delta1"]
    assert delta1.layer.min() == 0 and delta1[delta1.is_output].layer.nunique() == 1
    assert (rows[rows.point == "sweep"].is_output).all()
    # rows per state: (1 + 1 sweep) points; delta1 has every layer; x 2 statistics x 1 norm
    n_layers = delta1.layer.nunique()
    assert len(rows) == 2 * (n_layers + 1) * 2
    assert np.isfinite(rows.R).all() and (rows.R > 0).all()
    # the command asked malloc to keep freed memory, which glibc accepts
    assert retained == [platform.libc_ver()[0] == "glibc"]


def test_run_rows_take_n_train_from_p_and_differ_between_states(
    run: tuple[Path, Path],
) -> None:
    from diffeo_stability.probe.settings import ProbeSettings

    run_dir, data = run
    settings = ProbeSettings(
        n_probe=4, cutoffs=(3.0,), interpolations=("bilinear",), sweep_points=0, layers=False
    )
    rows = probe_training_run(
        run_dir, data, settings, dataset="toy", arch="VGG11bn", P="16", seed=1
    )
    assert (rows.n_train == 16).all() and (rows.P == 16).all() and len(rows) == 2 * 2
    # init (batch statistics) and trained (other weights, running statistics) differ
    assert not np.allclose(rows[rows.state == "init"].R, rows[rows.state == "trained"].R)
