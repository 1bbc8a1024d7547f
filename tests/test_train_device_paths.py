"""The training paths a GPU takes, run on the CPU with the same code: channels-last, bf16
autocast, torch.compile, on-device augmentation and data placement, checkpoint resume."""

from __future__ import annotations

import shutil

import pytest
import torch
from test_train import toy_dataset

from diffeo_stability.training import trainer as train_module
from diffeo_stability.training.hparams import resolve_hparams
from diffeo_stability.training.trainer import RunConfig, Trainer, train

# torch.compile on a CPU generates C++ (inductor): it needs a compiler
needs_compiler = pytest.mark.skipif(
    shutil.which("g++") is None and shutil.which("c++") is None,
    reason="torch.compile on a CPU needs a C++ compiler (g++ / c++), none found on PATH",
)
GPU_OPTIONS = {
    "precision": "bf16",
    "memory_format": "channels_last",
    "compile": True,
    "augmentation": "crop_flip",
    "crop_padding": 2,
}


def config(tmp_path, **overrides) -> RunConfig:
    hp = resolve_hparams("conv", {"epochs": 2, "batch_size": 32, "lr": 0.05} | overrides)
    return RunConfig(
        "LeNet", 64, 1, hp, tmp_path, normalization=((0.5,), (0.5,)), deterministic=True
    )


def test_channels_last_weights_batches_and_device_placement(tmp_path):
    trainer = Trainer(toy_dataset(64, 32, channels=3, side=32), config(tmp_path, **GPU_OPTIONS))
    conv = trainer.model.blocks.conv1[0].weight
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    batch = trainer._batch(trainer.x_train[:4])
    assert batch.is_contiguous(memory_format=torch.channels_last) and batch.dtype == torch.float32
    tensors = (trainer.x_train, trainer.y_train, trainer.x_test, trainer.y_test)
    assert {t.device for t in tensors} == {trainer.device}
    assert trainer.augment_gen.device == trainer.device
    contiguous = Trainer(toy_dataset(64, 32), config(tmp_path, memory_format="contiguous"))
    assert contiguous.model.blocks.conv1[0].weight.is_contiguous()


@needs_compiler
def test_compiled_bf16_channels_last_run_resumes_exactly(tmp_path, monkeypatch):
    """All GPU options on: compiled, learns, and a run killed after epoch 1 then restarted
    ends exactly like the uninterrupted one."""
    data = toy_dataset(128, 64, channels=3, side=32)
    trainer = Trainer(data, config(tmp_path / "t", **GPU_OPTIONS))
    assert isinstance(trainer.forward, torch._dynamo.eval_frame.OptimizedModule)
    whole = train(data, config(tmp_path / "whole", **GPU_OPTIONS))
    assert whole["history"]["train_loss"][1] < whole["init_train_loss"]

    save_state = train_module.save_state

    def killed_after_saving(path, state):
        save_state(path, state)
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(train_module, "save_state", killed_after_saving)
    with pytest.raises(KeyboardInterrupt):
        train(data, config(tmp_path / "resumed", **GPU_OPTIONS))
    monkeypatch.setattr(train_module, "save_state", save_state)
    resumed = train(data, config(tmp_path / "resumed", **GPU_OPTIONS))
    assert resumed["history"] == whole["history"]
    for name in ("init.pt", "trained.pt", "last.pt"):
        a, b = (torch.load(tmp_path / d / name)["state_dict"] for d in ("whole", "resumed"))
        assert all(torch.equal(a[k], b[k]) for k in a), name
