"""Training: subsets, schedules, augmentation, learning, outputs, divergence, bad inputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from diffeo_stability.data.images import ImageDataset
from diffeo_stability.data.subsets import parse_P, subset_indices
from diffeo_stability.errors import ConfigError, TrainingDivergedError
from diffeo_stability.models import load_checkpoint
from diffeo_stability.training.augment import crop_flip
from diffeo_stability.training.checkpoint import restore_rng_states, rng_states
from diffeo_stability.training.hparams import PAPER_DEFAULTS, resolve_hparams
from diffeo_stability.training.trainer import RunConfig, make_optimizer, train


def toy_dataset(n_train: int = 384, n_test: int = 256, channels: int = 1, side: int = 28):
    """Learnable: class k = a bright 4x4 square at one of 10 places on a noisy background."""
    rng = np.random.default_rng(0)

    def split(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 80, (n, channels, side, side))
        for k in range(10):
            row, col = divmod(k, 4)
            x[y == k, :, 2 + 6 * row : 6 + 6 * row, 2 + 6 * col : 6 + 6 * col] += 170
        return x.astype(np.uint8), y.astype(np.int64)

    (xt, yt), (xs, ys) = split(n_train), split(n_test)
    return ImageDataset("toy", xt, yt, xs, ys, [str(k) for k in range(10)])


def run(tmp_path, arch="FullConnL2", P=128, seed=0, data=None, **overrides):
    family = "fc" if arch.startswith("FullConn") else "conv"
    hp = resolve_hparams(family, {"epochs": 2, "batch_size": 32} | overrides)
    config = RunConfig(arch, P, seed, hp, tmp_path, normalization=((0.5,), (0.5,)))
    return train(data or toy_dataset(), config)


def test_hparams_paper_defaults_and_errors():
    conv = resolve_hparams("conv", {})
    assert (conv.optimizer, conv.lr, conv.momentum, conv.weight_decay) == (
        "sgd",
        0.1,
        0.9,
        5e-4,
    )
    assert (conv.epochs, conv.batch_size, conv.schedule) == (250, 128, "cosine")
    fc = resolve_hparams("fc", {"epochs": 3})
    assert (fc.optimizer, fc.lr, fc.schedule, fc.epochs) == ("adam", 0.1, "none", 3)
    tr = PAPER_DEFAULTS["transfer"]
    assert (tr["lr"], tr["lr_body"], tr["gamma"], tr["epochs"], tr["input_size"]) == (
        0.01,
        0.001,
        0.975,
        100,
        224,
    )
    with pytest.raises(ConfigError, match="lr_head: unknown key; allowed:.*lr_body"):
        resolve_hparams("conv", {"lr_head": 1})
    with pytest.raises(ConfigError, match="precision: 'fp16' is not allowed; allowed: fp32, bf16"):
        resolve_hparams("conv", {"precision": "fp16"})
    with pytest.raises(ConfigError, match="unknown family"):
        resolve_hparams("rnn", {})


def test_subset_same_seed_same_subset():
    a, b = subset_indices(1000, 100, 7), subset_indices(1000, 100, 7)
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) == 100 and a.min() >= 0 and a.max() < 1000
    assert not np.array_equal(a, subset_indices(1000, 100, 8))
    # nested: the first P of the same permutation
    np.testing.assert_array_equal(subset_indices(1000, 50, 7), a[:50])
    assert sorted(subset_indices(10, None, 1).tolist()) == list(range(10))
    with pytest.raises(ConfigError, match="P=11 is larger than the training set \\(10 images\\)"):
        subset_indices(10, 11, 0)
    assert parse_P("full") is None and parse_P("512") == 512
    with pytest.raises(ConfigError, match="positive integer or 'full'"):
        parse_P("half")


def test_crop_flip_is_a_shifted_or_flipped_copy():
    x = torch.rand(64, 2, 6, 6)
    out = crop_flip(x, 2, torch.Generator().manual_seed(0))
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    found = set()
    for b in range(len(x)):
        matches = [
            (dy, dx, flip)
            for flip in (False, True)
            for dy in range(5)
            for dx in range(5)
            if torch.equal(
                out[b], (padded[b].flip(-1) if flip else padded[b])[:, dy : dy + 6, dx : dx + 6]
            )
        ]
        assert matches, f"image {b} is no crop of its padded (flipped) input"
        found |= set(matches)
    assert {f for _, _, f in found} == {False, True}
    assert {dy for dy, _, _ in found} == set(range(5))
    # the trainer crops the uint8 images, then converts: the same floats as the other order
    raw = torch.randint(0, 256, (64, 3, 6, 6), dtype=torch.uint8)
    first = crop_flip(raw, 2, torch.Generator().manual_seed(1)).float() / 255
    then = crop_flip(raw.float() / 255, 2, torch.Generator().manual_seed(1))
    assert torch.equal(first, then)


def test_rng_states_round_trip():
    gen = torch.Generator().manual_seed(3)
    saved = rng_states({"g": gen})
    first = (torch.rand(3), torch.rand(3, generator=gen))
    restore_rng_states(saved, {"g": gen})
    second = (torch.rand(3), torch.rand(3, generator=gen))
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_training_lowers_the_test_error_and_writes_outputs(tmp_path):
    metrics = run(tmp_path, P=256, epochs=4)  # the paper's Adam, lr 0.1
    assert metrics["init_test_error"] > 0.8
    assert metrics["test_error"] < metrics["init_test_error"] - 0.5
    assert metrics["history"]["epoch"] == [1, 2, 3, 4]
    assert metrics["test_error"] == min(metrics["history"]["test_error"])
    assert metrics["history"]["test_error"][metrics["best_epoch"] - 1] == metrics["test_error"]
    assert json.loads((tmp_path / "metrics.json").read_text()) == json.loads(json.dumps(metrics))
    for name in ("init.pt", "trained.pt", "last.pt"):
        assert (tmp_path / name).is_file()
    assert not (tmp_path / "checkpoint.pt").exists()  # removed once the run is complete
    # trained.pt is the best epoch's net: re-evaluating it gives the recorded test error
    model, meta = load_checkpoint(tmp_path / "trained.pt")
    assert meta["epoch"] == metrics["best_epoch"] and meta["test_error"] == metrics["test_error"]
    data = toy_dataset()
    with torch.no_grad():
        pred = model(torch.from_numpy(data.x_test).float() / 255).argmax(1).numpy()
    assert np.mean(pred != data.y_test) == pytest.approx(metrics["test_error"], abs=1e-12)
    _, init_meta = load_checkpoint(tmp_path / "init.pt")
    assert init_meta["epoch"] == 0 and init_meta["test_error"] == metrics["init_test_error"]


def test_same_seed_same_initial_weights_and_run(tmp_path):
    a = run(tmp_path / "a", arch="LeNet", P=64, seed=5, epochs=1)
    b = run(tmp_path / "b", arch="LeNet", P=64, seed=5, epochs=1)
    c = run(tmp_path / "c", arch="LeNet", P=64, seed=6, epochs=1)
    sd = {k: torch.load(tmp_path / k / "init.pt")["state_dict"] for k in "abc"}
    assert all(torch.equal(sd["a"][k], sd["b"][k]) for k in sd["a"])
    assert not torch.equal(sd["a"]["blocks.conv1.0.weight"], sd["c"]["blocks.conv1.0.weight"])
    assert a["history"] == b["history"] and a["history"] != c["history"]


def test_cosine_schedule_is_not_clamped(tmp_path):
    metrics = run(tmp_path, arch="LeNet", P=32, epochs=10, lr=0.1)
    t_max = 0.8 * 10
    expected = [0.05 * (1 + math.cos(math.pi * e / t_max)) for e in range(10)]
    lrs = metrics["history"]["lr"]
    assert lrs == pytest.approx(expected, abs=1e-12)
    assert lrs[8] == pytest.approx(0.0, abs=1e-12) and lrs[9] > 0.001  # rises past T_max


def test_cosine_steps_schedule_anneals_per_step_to_zero(tmp_path):
    # P = 96, batch 32: 3 steps per epoch, 4 epochs, 12 steps; lr at the start of each epoch
    metrics = run(tmp_path, arch="LeNet", P=96, epochs=4, lr=0.1, schedule="cosine_steps")
    expected = [0.05 * (1 + math.cos(math.pi * 3 * e / 12)) for e in range(4)]
    assert metrics["history"]["lr"] == pytest.approx(expected, abs=1e-12)
    # one step from the end: the last step runs at 0.05 (1 + cos(11 pi / 12))
    assert expected[-1] > 0.05 * (1 + math.cos(math.pi * 11 / 12)) > 0


def test_transfer_head_and_body_learning_rates():
    from diffeo_stability.models import build_model

    model = build_model("EfficientNetB0-transfer", 3, 32, pretrained=False, resize=32)
    opt = make_optimizer(model, resolve_hparams("transfer", {}), transfer=True)
    body, head = opt.param_groups
    assert (body["lr"], head["lr"], head["nesterov"], head["weight_decay"]) == (
        0.001,
        0.01,
        True,
        1e-3,
    )
    assert {id(p) for p in head["params"]} == {id(p) for p in model.blocks.fc.parameters()}


def test_divergence_raises(tmp_path):
    with pytest.raises(TrainingDivergedError, match="exceeds 1e-06 x the loss at init"):
        run(tmp_path / "a", epochs=1, max_loss_factor=1e-6)
    nan_data = toy_dataset()
    config = RunConfig(
        "FullConnL2",
        64,
        0,
        resolve_hparams("fc", {"epochs": 1}),
        tmp_path / "b",
        normalization=((0.5,), (0.0,)),  # division by zero: inf inputs, NaN loss
    )
    with pytest.raises(TrainingDivergedError, match="training loss is nan at epoch 1"):
        train(nan_data, config)
    assert not (tmp_path / "b" / "metrics.json").exists()


def test_bad_inputs_fail_clearly(tmp_path):
    with pytest.raises(ConfigError, match="P=1000 is larger than the training set"):
        run(tmp_path, P=1000)
    with pytest.raises(ConfigError, match="unknown architecture 'Foo'"):
        run(tmp_path, arch="Foo")
    with pytest.raises(ConfigError, match="unsupported input shape 2x28x28"):
        run(tmp_path, data=toy_dataset(channels=2))
    assert not (tmp_path / "metrics.json").exists()


def test_train_command_rejects_mismatched_data_and_bad_hparams(tmp_path):
    import argparse

    from diffeo_stability.commands import train as command
    from diffeo_stability.errors import DataError

    data = toy_dataset(n_train=16, n_test=8)
    path = tmp_path / "d.npz"
    np.savez(
        path,
        x_train=data.x_train[:, 0],
        y_train=data.y_train,
        x_test=data.x_test[:, 0],
        y_test=data.y_test,
        classes=np.array(data.classes),
        dataset=np.array("toy"),
    )
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    base = [
        "--data",
        str(path),
        "--arch",
        "LeNet",
        "--P",
        "8",
        "--seed",
        "0",
        "--out",
        str(tmp_path / "run"),
        "--device",
        "cpu",
    ]
    with pytest.raises(DataError, match="images are 1x28x28, but dataset 'cifar10' has 3x32x32"):
        command.run(parser.parse_args([*base, "--dataset", "cifar10"]))
    with pytest.raises(ConfigError, match="--hparams: momentun: unknown key"):
        command.run(
            parser.parse_args([*base, "--dataset", "mnist", "--hparams", '{"momentun": 1}'])
        )
    with pytest.raises(
        ConfigError, match="--hparams: width_factor: 0.5: FullConnL2 does not take it"
    ):
        narrow = ["--arch", "FullConnL2", "--hparams", '{"width_factor": 0.5}']
        command.run(parser.parse_args([*base, "--dataset", "mnist", *narrow]))
    with pytest.raises(ConfigError, match="P=64 is larger than the training set \\(16 images\\)"):
        command.run(parser.parse_args([*base, "--dataset", "mnist", "--P", "64"]))
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_stops_early_only_when_the_training_loss_is_exactly_zero(tmp_path, monkeypatch):
    from diffeo_stability.training.trainer import Trainer

    losses = iter([0.5, 1e-30, 0.0, 0.3])
    original = Trainer.train_epoch

    def fake_epoch(self):
        original(self)
        return next(losses)

    monkeypatch.setattr(Trainer, "train_epoch", fake_epoch)
    metrics = run(tmp_path, P=32, epochs=4)
    assert metrics["history"]["train_loss"] == [0.5, 1e-30, 0.0]
    assert metrics["epochs_run"] == 3 and metrics["stopped_early"]


def test_bf16_autocast_runs_on_cpu(tmp_path):
    metrics = run(tmp_path, P=64, epochs=1, precision="bf16")
    assert metrics["precision"] == "bf16" and math.isfinite(metrics["history"]["train_loss"][0])


def test_memory_format_policy_and_hparam():
    from diffeo_stability.device import eval_batch_size, memory_format

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    for device in (cpu, cuda):
        assert memory_format(device, "FullConnL4") == torch.contiguous_format
    assert memory_format(cuda, "LeNet") == torch.channels_last
    assert memory_format(cpu, "ResNet18") == torch.channels_last
    assert (eval_batch_size(cpu), eval_batch_size(cuda)) == (128, 1024)
    hp = resolve_hparams("conv", {})
    assert (hp.memory_format, hp.eval_batch_size) == ("auto", "auto")
    with pytest.raises(ConfigError, match="memory_format: 'nhwc' is not allowed; allowed: auto"):
        resolve_hparams("conv", {"memory_format": "nhwc"})
    with pytest.raises(ConfigError, match="eval_batch_size: 0 must be an integer >= 1 or 'auto'"):
        resolve_hparams("conv", {"eval_batch_size": 0})


def test_test_error_same_for_any_eval_batch_and_memory_format(tmp_path):
    """The per-epoch test error is model selection: its device settings never change it."""
    from diffeo_stability.training.trainer import Trainer

    results = []
    for fmt, batch in (("contiguous", 1024), ("channels_last", 128), ("channels_last", 37)):
        overrides = {"memory_format": fmt, "eval_batch_size": batch, "width_factor": 0.25}
        hp = resolve_hparams("conv", overrides)
        config = RunConfig("ResNet18", 64, 0, hp, tmp_path, normalization=((0.5,), (0.5,)))
        trainer = Trainer(toy_dataset(), config)
        trainer.model.eval()
        conv = next(m for m in trainer.model.modules() if isinstance(m, torch.nn.Conv2d))
        assert conv.weight.is_contiguous(memory_format=trainer.memory_format)
        results.append(trainer.evaluate(trainer.x_test, trainer.y_test))
    for loss, error in results[1:]:
        assert error == results[0][1] and loss == pytest.approx(results[0][0], rel=1e-5)


def test_bf16_trained_network_probes_in_float32(tmp_path):
    from diffeo_stability.probe.measure import ProbeSettings, probe_function
    from diffeo_stability.probe.training_run import probe_images

    data = toy_dataset()
    run(tmp_path, arch="LeNet", P=64, epochs=1, precision="bf16", data=data)
    model, _ = load_checkpoint(tmp_path / "trained.pt", torch.device("cpu"))
    assert {p.dtype for p in model.state_dict().values() if p.is_floating_point()} == {
        torch.float32
    }
    dtypes = set()
    for module in model.modules():
        module.register_forward_hook(lambda m, i, out: dtypes.add(out.dtype))
    settings = ProbeSettings(
        cutoffs=(3.0,), interpolations=("bilinear",), sweep_points=0, layers=False
    )
    images = probe_images(data.x_test, 16, torch.device("cpu"))
    rows = probe_function(
        model, images, settings, seed=0, state="trained", blocks=None, batch_stats=False
    )
    assert dtypes == {torch.float32} and len(rows) > 0


def test_eval_every_measures_the_test_error_every_k_epochs_and_at_the_last(tmp_path):
    metrics = run(tmp_path, epochs=5, eval_every=2, lr=0.01)
    errors = metrics["history"]["test_error"]
    assert [e is not None for e in errors] == [False, True, False, True, True]
    assert metrics["test_error"] == min(e for e in errors if e is not None)
    assert metrics["best_epoch"] in (2, 4, 5)
    assert metrics["last_test_error"] == errors[-1]
    with pytest.raises(ConfigError, match="eval_every"):
        resolve_hparams("fc", {"eval_every": 0})
