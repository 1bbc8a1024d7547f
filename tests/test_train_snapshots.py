"""snapshot_epochs: the weights kept after chosen epochs (snapshots/epoch{E}.pt). Known answers:
an interrupted and resumed run writes the same snapshot files, byte for byte, as an
uninterrupted one; snapshots change nothing else a run writes; the default writes none and
leaves metrics.json as it was; bad values fail at validation naming the key."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch
from test_train import toy_dataset

from diffeo_stability.errors import SettingError
from diffeo_stability.models import load_checkpoint
from diffeo_stability.models.build import snapshot_path
from diffeo_stability.training import trainer as trainer_module
from diffeo_stability.training.hparams import (
    DIFFEO_KEYS,
    KEPT_WHEN_SET,
    PAPER_DEFAULTS,
    HParams,
    resolve_hparams,
)
from diffeo_stability.training.runcontrol import TrainingInterrupted
from diffeo_stability.training.trainer import TIMING_KEYS, RunConfig, train

EPOCHS = 4
SNAPSHOTS = [1, 2, 4]


def _train(out: Path, **overrides) -> dict:
    hp = resolve_hparams("conv", {"epochs": EPOCHS, "batch_size": 32, "lr": 0.05} | overrides)
    config = RunConfig("LeNet", 96, 0, hp, out, normalization=((0.5,), (0.5,)), deterministic=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return train(toy_dataset(n_train=128, n_test=64), config)
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted run with snapshots after epochs 1, 2 and 4 (test error every 3)."""
    out = tmp_path_factory.mktemp("reference")
    _train(out, snapshot_epochs=SNAPSHOTS, eval_every=3)
    return out


def _without_timing(run: Path) -> dict:
    metrics = json.loads((run / "metrics.json").read_text())
    return {k: v for k, v in metrics.items() if k not in TIMING_KEYS}


def assert_same_checkpoint(a: Path, b: Path) -> None:
    """Same entries and bit-identical tensors (the files' bytes differ: torch.save names its
    archive after the temporary file of the atomic write)."""
    first, second = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
    assert {k: v for k, v in first.items() if k != "state_dict"} == {
        k: v for k, v in second.items() if k != "state_dict"
    }
    assert first["state_dict"].keys() == second["state_dict"].keys()
    for key, tensor in first["state_dict"].items():
        assert torch.equal(tensor, second["state_dict"][key]), (a, key)


def test_snapshots_hold_the_nets_and_test_errors_of_their_epochs(reference: Path) -> None:
    files = sorted(p.name for p in (reference / "snapshots").iterdir())
    assert files == [f"epoch{e}.pt" for e in SNAPSHOTS]
    metrics = _without_timing(reference)
    history = dict(zip(metrics["history"]["epoch"], metrics["history"]["test_error"], strict=True))
    assert history[1] is None and history[2] is None and history[3] is not None
    last = torch.load(reference / "last.pt", weights_only=True)
    for epoch in SNAPSHOTS:
        model, meta = load_checkpoint(snapshot_path(reference, epoch), "cpu")
        assert meta["epoch"] == epoch
        assert 0.0 <= meta["test_error"] <= 1.0  # measured, though not an evaluated epoch
        assert isinstance(model, torch.nn.Module)
    final = torch.load(snapshot_path(reference, EPOCHS), weights_only=True)
    assert final["test_error"] == metrics["last_test_error"]
    for key, tensor in last["state_dict"].items():
        assert torch.equal(tensor, final["state_dict"][key])
    first = torch.load(snapshot_path(reference, 1), weights_only=True)["state_dict"]
    assert not all(torch.equal(first[k], v) for k, v in last["state_dict"].items())


def test_a_stopped_and_resumed_run_writes_the_same_snapshots(reference, tmp_path, monkeypatch):
    """SIGTERM after the resume checkpoint of epoch 2 (runcontrol's stop at the next batch);
    the rerun resumes from epoch 2 and ends like the uninterrupted run, bit for bit."""
    save_state = trainer_module.save_state

    def save_then_stop(path: Path, state: dict) -> None:
        save_state(path, state)
        if state["epoch"] == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(trainer_module, "save_state", save_then_stop)
    out = tmp_path / "stopped"
    with pytest.raises(TrainingInterrupted, match="epoch 3/4"):
        _train(out, snapshot_epochs=SNAPSHOTS, eval_every=3)
    assert torch.load(out / "checkpoint.pt", weights_only=True)["epoch"] == 2
    assert not (out / "snapshots").exists()  # written at the end, from the resume state
    monkeypatch.setattr(trainer_module, "save_state", save_state)
    _train(out, snapshot_epochs=SNAPSHOTS, eval_every=3)
    for epoch in SNAPSHOTS:
        assert_same_checkpoint(snapshot_path(out, epoch), snapshot_path(reference, epoch))
    assert _without_timing(out) == _without_timing(reference)


def test_snapshots_change_nothing_else_and_the_default_keeps_none(reference, tmp_path) -> None:
    plain = tmp_path / "plain"
    _train(plain, eval_every=3)
    assert not (plain / "snapshots").exists()
    assert sorted(p.name for p in plain.iterdir()) == [
        "init.pt",
        "last.pt",
        "metrics.json",
        "trained.pt",
    ]
    metrics, with_snapshots = _without_timing(plain), _without_timing(reference)
    assert "snapshot_epochs" not in metrics["hparams"]  # identical to before the key existed
    assert with_snapshots["hparams"].pop("snapshot_epochs") == SNAPSHOTS
    assert metrics == with_snapshots  # same history, best epoch, errors
    for name in ("init.pt", "trained.pt", "last.pt"):
        assert_same_checkpoint(plain / name, reference / name)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([2, 2], "must strictly increase"),
        ([3, 1], "must strictly increase"),
        ([0, 2], "0 must be an integer >= 1"),
        ([5], "5 is after the last epoch"),
        ([1.0], "1.0 must be an integer"),
        ("1,2", "must be a list"),
        ([True], "True must be an integer"),
        (None, "None must be a list"),
    ],
)
def test_bad_snapshot_epochs_fail_naming_the_key(value, problem) -> None:
    with pytest.raises(SettingError, match=rf"^snapshot_epochs: .*{problem}") as raised:
        resolve_hparams("conv", {"epochs": EPOCHS, "snapshot_epochs": value})
    assert raised.value.key == "snapshot_epochs"


def test_the_default_is_left_out_of_serialised_hyper_parameters() -> None:
    """At [] the key is absent from as_config / to_json (metrics.json, the resume identity, the
    train job's --hparams), as before it existed; set, it is there and reads back."""
    assert "snapshot_epochs" in KEPT_WHEN_SET
    plain = resolve_hparams("conv", {"snapshot_epochs": []})
    assert plain == resolve_hparams("conv")
    assert "snapshot_epochs" not in plain.as_config()
    assert "snapshot_epochs" not in json.loads(plain.to_json())
    assert HParams.from_json(plain.to_json(), "--hparams") == plain
    # (the diffeo augmentation's keys: only for runs that draw diffeos)
    assert set(PAPER_DEFAULTS["conv"]) - set(plain.as_config()) == {"snapshot_epochs", *DIFFEO_KEYS}
    kept = resolve_hparams("fc", {"epochs": 3, "snapshot_epochs": [1, 3]})
    assert kept.snapshot_epochs == (1, 3) and kept.as_config()["snapshot_epochs"] == [1, 3]
    assert HParams.from_json(kept.to_json(), "--hparams") == kept  # reads back unchanged
