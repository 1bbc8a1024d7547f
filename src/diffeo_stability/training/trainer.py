"""Training of one (dataset, architecture, P, seed) cell with the paper's procedure.

The training subset and test set live on the device as uint8; batches are converted to float
in [0, 1] and augmented there. Every epoch: training pass, test error, resumable checkpoint.
At the end: init.pt, trained.pt (best test error), last.pt, snapshots/epoch{E}.pt of the
`snapshot_epochs`, then metrics.json (last); the resumable checkpoint is then deleted.
Snapshots are kept in the resumable state until then (as init and best are), so that a job
restarted after its outputs were removed still writes them.
"""

from __future__ import annotations

import copy
import logging
import math
import platform
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from diffeo_stability.data.images import ImageDataset
from diffeo_stability.data.subsets import subset_indices
from diffeo_stability.device import eval_batch_size, memory_format
from diffeo_stability.errors import DataError, TrainingDivergedError
from diffeo_stability.io import torch_save, write_json
from diffeo_stability.models import build_model, get_arch
from diffeo_stability.models.build import checkpoint_dict, cpu_state_dict, snapshot_path
from diffeo_stability.models.fold import prepare_inference
from diffeo_stability.training.augment import crop_flip
from diffeo_stability.training.checkpoint import (
    load_state,
    restore_rng_states,
    rng_states,
    save_state,
)
from diffeo_stability.training.diffeo_augment import RandomDiffeo
from diffeo_stability.training.hparams import PAPER_DEFAULTS, HParams, augmentation_parts
from diffeo_stability.training.runcontrol import Monitor, RunLock

log = logging.getLogger(__name__)

TIMING_KEYS = ("wall_time_s", "train_time_s", "images_per_s")


@dataclass
class RunConfig:
    """One training job. `hparams` comes from `hparams.resolve_arch_hparams`; P=None: full set.

    `normalization` ((mean, std) or None) and `default_augmentation` come from the dataset's
    registry entry; `weights` is the ImageNet weights file of transfer nets.
    """

    arch: str
    P: int | None
    seed: int
    hparams: HParams
    out_dir: Path
    normalization: Any = None
    default_augmentation: str = "none"
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    deterministic: bool = False
    weights: str | None = None


_FORMATS = {"channels_last": torch.channels_last, "contiguous": torch.contiguous_format}


def _memory_format(hp: HParams, device: torch.device, arch: str) -> torch.memory_format:
    """The `memory_format` hyper-parameter resolved for the device ("auto": device policy)."""
    name = hp.memory_format
    return memory_format(device, arch) if name == "auto" else _FORMATS[name]


def _eval_batch_size(hp: HParams, device: torch.device) -> int:
    """The `eval_batch_size` hyper-parameter resolved for the device ("auto": device policy)."""
    size = hp.eval_batch_size
    return eval_batch_size(device) if size == "auto" else size


#: schedules whose learning rate changes after every SGD step (the others: after every epoch)
PER_STEP_SCHEDULES = ("cosine_steps",)


def _lr_factor(hp: HParams, steps_per_epoch: int) -> Callable[[int], float]:
    """Scheduler count (epochs, or SGD steps for `PER_STEP_SCHEDULES`) -> multiplier of the
    initial learning rate(s)."""
    if hp.schedule == "cosine_steps":  # to exactly 0 after the last step of the last epoch
        total = hp.epochs * steps_per_epoch
        return lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))
    if hp.schedule == "cosine":
        t_max = hp.cosine_tmax_factor * hp.epochs
        return lambda epoch: 0.5 * (1.0 + math.cos(math.pi * epoch / t_max))
    if hp.schedule == "exponential":
        return lambda epoch: hp.gamma**epoch
    return lambda epoch: 1.0


def make_optimizer(model: nn.Module, hp: HParams, transfer: bool) -> torch.optim.Optimizer:
    """SGD or Adam; transfer nets get lr for the classifier block and lr_body for the rest."""
    if transfer:
        head = list(model.blocks.fc.parameters())
        head_ids = {id(p) for p in head}
        body = [p for p in model.parameters() if id(p) not in head_ids]
        lr_body = hp.lr if hp.lr_body is None else hp.lr_body
        groups: list[dict[str, Any]] = [{"params": body, "lr": lr_body}, {"params": head}]
    else:
        groups = [{"params": list(model.parameters())}]
    if hp.optimizer == "adam":
        return torch.optim.Adam(groups, lr=hp.lr, weight_decay=hp.weight_decay)
    return torch.optim.SGD(
        groups,
        lr=hp.lr,
        momentum=hp.momentum,
        nesterov=hp.nesterov,
        weight_decay=hp.weight_decay,
    )


class Trainer:
    """Device-resident data, the model, its optimiser and schedule, and the epoch loops."""

    def __init__(self, data: ImageDataset, config: RunConfig) -> None:
        hp, device = config.hparams, config.device
        self.config, self.hp, self.device = config, hp, device
        self.spec = get_arch(config.arch)
        _, channels, height, width = data.x_train.shape
        if height != width:
            raise DataError(f"dataset {data.name!r}: images are {height}x{width}, expected square")
        indices = subset_indices(len(data.x_train), config.P, config.seed)
        self.x_train = torch.from_numpy(data.x_train[indices]).to(device)
        self.y_train = torch.from_numpy(data.y_train[indices]).to(device)
        self.x_test = torch.from_numpy(data.x_test).to(device)
        self.y_test = torch.from_numpy(data.y_test).to(device)
        self.num_classes = len(data.classes)
        augmentation = hp.augmentation
        self.augmentation = config.default_augmentation if augmentation == "auto" else augmentation
        draws_diffeo = "diffeo" in augmentation_parts(self.augmentation)
        self.random_diffeo = RandomDiffeo(hp, height, device) if draws_diffeo else None
        self.arch_kwargs = {"resize": hp.input_size} if self.spec.transfer else {}
        if hp.width_factor != PAPER_DEFAULTS[self.spec.family]["width_factor"]:
            self.arch_kwargs["width_factor"] = hp.width_factor
        self.shape = (channels, height)

        torch.manual_seed(config.seed)
        extra = {"weights": config.weights} if self.spec.transfer else {}
        model = build_model(
            config.arch,
            channels,
            height,
            self.num_classes,
            config.normalization,
            **self.arch_kwargs,
            **extra,
        )
        self.memory_format = _memory_format(hp, device, config.arch)
        self.eval_batch_size = _eval_batch_size(hp, device)
        self.model = model.to(device, memory_format=self.memory_format)
        self.forward = self._compiled(self.model)
        self.optimizer = make_optimizer(self.model, hp, self.spec.transfer)
        steps_per_epoch = math.ceil(len(self.x_train) / hp.batch_size)
        self.step_per_batch = hp.schedule in PER_STEP_SCHEDULES
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, _lr_factor(hp, steps_per_epoch)
        )
        self.order_gen = torch.Generator().manual_seed(config.seed)
        self.augment_gen = torch.Generator(device=device).manual_seed(config.seed + 1)

    def _compiled(self, model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        """torch.compile on any device; with cuda_graph on CUDA in mode 'reduce-overhead'
        (CUDA graphs: the one CUDA-only path, untested without a GPU)."""
        graphs = self.hp.cuda_graph and self.device.type == "cuda"
        if self.hp.cuda_graph and not graphs:
            log.info("cuda_graph ignored on %s (CUDA only)", self.device)
        if not (self.hp.compile or graphs):
            return model
        return torch.compile(model, mode="reduce-overhead" if graphs else None, dynamic=False)

    def autocast(self) -> AbstractContextManager:
        if self.hp.precision == "bf16":
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return nullcontext()

    def _batch(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 (B, C, H, W) -> float32 in [0, 1] in the run's memory format."""
        return x.float().div_(255.0).contiguous(memory_format=self.memory_format)

    def inference_copy(self) -> nn.Module:
        """A copy of the model in eval mode prepared for inference (`models.fold`: batch-norms
        folded into the convolutions, activations in place): same function, fewer memory passes."""
        model = prepare_inference(copy.deepcopy(self.model).eval())
        return model.to(memory_format=self.memory_format)

    @torch.no_grad()
    def evaluate(self, x_all: torch.Tensor, y_all: torch.Tensor) -> tuple[float, float]:
        """(mean cross-entropy, error rate) of the model in eval mode on uint8 images x_all."""
        model = self.inference_copy()
        loss = torch.zeros((), device=self.device, dtype=torch.float64)
        wrong = torch.zeros((), device=self.device, dtype=torch.int64)
        for start in range(0, len(x_all), self.eval_batch_size):
            stop = start + self.eval_batch_size
            with self.autocast():
                logits = model(self._batch(x_all[start:stop])).float()
            y = y_all[start:stop]
            loss += F.cross_entropy(logits, y, reduction="sum")
            wrong += (logits.argmax(1) != y).sum()
        return loss.item() / len(x_all), wrong.item() / len(x_all)

    def train_epoch(self) -> float:
        """One pass over the shuffled subset; returns the mean training loss."""
        self.model.train()
        n, batch_size = len(self.x_train), self.hp.batch_size
        order = torch.randperm(n, generator=self.order_gen).to(self.device)
        total = torch.zeros((), device=self.device, dtype=torch.float64)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            x = self.augmented_batch(self.x_train[idx])
            with self.autocast():
                loss = F.cross_entropy(self.forward(x).float(), self.y_train[idx])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            if self.step_per_batch:
                self.scheduler.step()
            total += loss.detach() * len(idx)
            self.on_batch(start + len(idx), n)
        if not self.step_per_batch:
            self.scheduler.step()
        return total.item() / n

    def augmented_batch(self, x: torch.Tensor) -> torch.Tensor:
        """The run's augmentation of the uint8 batch x (B, C, H, W), as `_batch` returns it."""
        parts = augmentation_parts(self.augmentation)
        if "crop_flip" in parts:  # on the uint8 images: a quarter of the bytes
            x = crop_flip(x, self.hp.crop_padding, self.augment_gen)
        x = self._batch(x)
        if "diffeo" in parts:  # resampled in float, after the crop (the authors' order)
            x = self.random_diffeo(x, self.augment_gen).contiguous(memory_format=self.memory_format)
        return x

    def on_batch(self, done: int, total: int) -> None:
        """Hook after each training batch (progress, stop requests); `train` sets it."""

    def generators(self) -> dict[str, torch.Generator]:
        return {"order": self.order_gen, "augment": self.augment_gen}

    def checkpoint(self, epoch: int, test_error: float | None, state: dict | None = None) -> dict:
        """The checkpoint-contract dict of `state` (default: the current model's state)."""
        c, s = self.shape
        return checkpoint_dict(
            state or cpu_state_dict(self.model),
            self.config.arch,
            self.arch_kwargs,
            c,
            s,
            self.num_classes,
            self.config.normalization,
            epoch,
            test_error,
        )


def library_versions() -> dict[str, str]:
    import torchvision

    import diffeo_stability

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "diffeo_stability": getattr(diffeo_stability, "__version__", "unknown"),
    }


def _check_loss(loss: float, reference: float, factor: float, epoch: int) -> None:
    if not math.isfinite(loss):
        raise TrainingDivergedError(f"training loss is {loss} at epoch {epoch}")
    if loss > factor * reference:
        raise TrainingDivergedError(
            f"training loss {loss:.4g} at epoch {epoch} exceeds {factor:g} x the loss at "
            f"initialisation ({reference:.4g}): diverging (lower the learning rate)"
        )


def _initial_state(trainer: Trainer, identity: dict[str, Any]) -> dict[str, Any]:
    """The run state before the first epoch (losses and errors at initialisation)."""
    init_loss, _ = trainer.evaluate(trainer.x_train, trainer.y_train)
    _, init_test_error = trainer.evaluate(trainer.x_test, trainer.y_test)
    return {
        "identity": identity,
        "epoch": 0,
        "init_state": cpu_state_dict(trainer.model),
        "init_train_loss": init_loss,
        "init_test_error": init_test_error,
        "train_loss": [],
        "test_error": [],
        "lr": [],
        "best_error": math.inf,
        "best_epoch": 0,
        "best_state": None,
        "train_time_s": 0.0,
        "snapshots": {},
    }


def _run_epoch(trainer: Trainer, state: dict[str, Any]) -> None:
    """Train one epoch, measure the test error, update `state` in place (best model too)."""
    epoch, hp = state["epoch"] + 1, trainer.hp
    lr = trainer.optimizer.param_groups[-1]["lr"]
    tic = time.perf_counter()
    loss = trainer.train_epoch()  # ends with .item(): the device is synchronised
    state["train_time_s"] += time.perf_counter() - tic
    _check_loss(loss, state["init_train_loss"], hp.max_loss_factor, epoch)
    last = epoch == hp.epochs or loss == 0.0  # loss exactly 0 ends the training
    test_error = None
    if epoch % hp.eval_every == 0 or last:
        _, test_error = trainer.evaluate(trainer.x_test, trainer.y_test)
    state["train_loss"].append(loss)
    state["test_error"].append(test_error)
    state["lr"].append(lr)
    if test_error is not None and test_error < state["best_error"]:
        state |= {
            "best_error": test_error,
            "best_epoch": epoch,
            "best_state": cpu_state_dict(trainer.model),
        }
    if epoch in hp.snapshot_epochs:
        error = test_error
        if error is None:  # measured for the snapshot alone: model selection keeps eval_every
            _, error = trainer.evaluate(trainer.x_test, trainer.y_test)
        state["snapshots"][epoch] = {"state": cpu_state_dict(trainer.model), "test_error": error}
    state |= {
        "epoch": epoch,
        "model": cpu_state_dict(trainer.model),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": trainer.scheduler.state_dict(),
        "rng": rng_states(trainer.generators()),
    }
    log.info(
        "epoch %d/%d  lr %.4g  train loss %.4f  test error %s  (best %.4f @ %d)  %.0f img/s"
        "  ETA %.0f s",
        epoch,
        hp.epochs,
        lr,
        loss,
        "-" if test_error is None else f"{test_error:.4f}",
        state["best_error"],
        state["best_epoch"],
        len(trainer.x_train) * epoch / max(state["train_time_s"], 1e-9),
        state["train_time_s"] / epoch * (hp.epochs - epoch),
    )


def _write_snapshots(out: Path, trainer: Trainer, state: dict[str, Any]) -> None:
    """snapshots/epoch{E}.pt for every snapshot epoch E, in the checkpoint contract. A training
    ended before E (training loss exactly 0) no longer changed: its last net is kept for E."""
    for epoch in trainer.hp.snapshot_epochs:
        kept = state["snapshots"].get(epoch)
        if kept is not None:
            snapshot = trainer.checkpoint(epoch, kept["test_error"], kept["state"])
        else:
            snapshot = trainer.checkpoint(state["epoch"], state["test_error"][-1])
        torch_save(snapshot_path(out, epoch), snapshot)


def _metrics(
    trainer: Trainer, data: ImageDataset, state: dict[str, Any], wall_time_s: float
) -> dict[str, Any]:
    """The content of metrics.json."""
    config, hp, epochs = trainer.config, trainer.hp, state["epoch"]
    return {
        "arch": config.arch,
        "dataset": data.name,
        "P": config.P or "full",
        "n_train": len(trainer.x_train),
        "seed": config.seed,
        "hparams": hp.as_config(),
        "augmentation": trainer.augmentation,
        "epochs_run": epochs,
        "stopped_early": epochs < hp.epochs,
        "history": {
            "epoch": list(range(1, epochs + 1)),
            "train_loss": state["train_loss"],
            "test_error": state["test_error"],
            "lr": state["lr"],
        },
        "init_train_loss": state["init_train_loss"],
        "init_test_error": state["init_test_error"],
        "best_epoch": state["best_epoch"],
        "test_error": state["best_error"],
        "last_test_error": state["test_error"][-1],
        "device": str(config.device),
        "precision": hp.precision,
        "deterministic": config.deterministic,
        "versions": library_versions(),
        "wall_time_s": wall_time_s,
        "train_time_s": state["train_time_s"],
        "images_per_s": len(trainer.x_train) * epochs / max(state["train_time_s"], 1e-9),
    }


def train(data: ImageDataset, config: RunConfig) -> dict[str, Any]:
    """Train (resuming from out_dir/checkpoint.pt if present); write init.pt, trained.pt,
    last.pt, then metrics.json in config.out_dir. Returns the metrics."""
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(config.deterministic)
    try:
        with RunLock(Path(config.out_dir) / "train.lock"), Monitor() as monitor:
            return _train(data, config, monitor)
    finally:
        torch.use_deterministic_algorithms(previous)


def _train(data: ImageDataset, config: RunConfig, monitor: Monitor) -> dict[str, Any]:
    started = time.perf_counter()
    out, hp = Path(config.out_dir), config.hparams
    trainer = Trainer(data, config)
    trainer.on_batch = monitor.on_batch
    log.info(
        "run %s: %s, P=%s, seed %d on %s, %d threads, %d training images, %d epochs",
        out,
        config.arch,
        config.P or "full",
        config.seed,
        config.device,
        torch.get_num_threads(),
        len(trainer.x_train),
        hp.epochs,
    )
    identity = {
        "arch": config.arch,
        "P": config.P,
        "seed": config.seed,
        "hparams": hp.as_config(),
        "dataset": data.name,
        "n_train": len(trainer.x_train),
    }
    state = load_state(out / "checkpoint.pt", identity)
    if state is None:
        tic = time.perf_counter()
        state = _initial_state(trainer, identity)
        log.info(  # backward ~ 2 forward passes; the evaluation covers train and test sets
            "estimated %.0f s per epoch (from the time of one forward pass)",
            3 * (time.perf_counter() - tic),
        )
    else:
        trainer.model.load_state_dict(state["model"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        trainer.scheduler.load_state_dict(state["scheduler"])
        restore_rng_states(state["rng"], trainer.generators())
    while state["epoch"] < hp.epochs and state["train_loss"][-1:] != [0.0]:
        monitor.start_epoch(f"epoch {state['epoch'] + 1}/{hp.epochs}")
        _run_epoch(trainer, state)
        save_state(out / "checkpoint.pt", state)
    if state["epoch"] == 0:
        raise TrainingDivergedError("no epoch was run (epochs must be >= 1)")
    init = trainer.checkpoint(0, state["init_test_error"], state["init_state"])
    torch_save(out / "init.pt", init)
    best = trainer.checkpoint(state["best_epoch"], state["best_error"], state["best_state"])
    torch_save(out / "trained.pt", best)
    torch_save(out / "last.pt", trainer.checkpoint(state["epoch"], state["test_error"][-1]))
    _write_snapshots(out, trainer, state)
    metrics = _metrics(trainer, data, state, time.perf_counter() - started)
    write_json(out / "metrics.json", metrics)
    (out / "checkpoint.pt").unlink()  # served its purpose; large (model, best, init, optimiser)
    return metrics
