"""Construction of the registered architectures, checkpoints, and the probed layers."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from diffeo_stability.errors import ConfigError
from diffeo_stability.io import read_checked
from diffeo_stability.models.common import BlockNet, Prepare
from diffeo_stability.models.registry import get_arch

SUPPORTED_SHAPES = ((1, 28), (3, 32), (1, 32), (3, 28))

NormalizationLike = Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None


def normalization_dict(normalization: NormalizationLike) -> dict[str, list[float]] | None:
    """(mean, std) or {"mean", "std"} or None -> {"mean": [...], "std": [...]} or None."""
    if normalization is None:
        return None
    if isinstance(normalization, Mapping):
        mean, std = normalization["mean"], normalization["std"]
    else:
        mean, std = normalization
    return {"mean": [float(m) for m in mean], "std": [float(s) for s in std]}


def build_model(
    arch: str,
    in_channels: int,
    image_size: int,
    num_classes: int = 10,
    normalization: NormalizationLike = None,
    **arch_kwargs: Any,
) -> nn.Module:
    """The network `arch` for float32 (B, in_channels, image_size, image_size) inputs in [0, 1].

    Its first module applies `normalization` ((mean, std) per channel, or None); output is
    (B, num_classes) logits. Parameters are drawn from torch's global RNG (seed it first).
    Transfer nets take `resize`, `weights` (file path) and `pretrained` (False: random weights).
    """
    spec = get_arch(arch)
    if (in_channels, image_size) not in SUPPORTED_SHAPES:
        raise ConfigError(
            f"{arch}: unsupported input shape {in_channels}x{image_size}x{image_size}; "
            "supported: 1 or 3 channels, 28 or 32 px"
        )
    norm = normalization_dict(normalization)
    if norm is not None and len(norm["mean"]) not in (1, in_channels):
        raise ConfigError(
            f"normalisation has {len(norm['mean'])} channels, the input has {in_channels}"
        )
    prep = Prepare(in_channels, norm and norm["mean"], norm and norm["std"])
    module_name, function_name = spec.builder.split(":")
    builder = getattr(importlib.import_module(module_name), function_name)
    accepted = inspect.signature(builder).parameters
    unknown = sorted(set(arch_kwargs) - set(accepted))
    if unknown:
        raise ConfigError(f"{arch} does not take option(s) {', '.join(unknown)}")
    return builder(in_channels, image_size, num_classes, prep, **spec.options, **arch_kwargs)


def layer_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The blocks whose outputs are the probed layers, in forward order; the output is last."""
    if not isinstance(model, BlockNet):
        raise TypeError(f"expected a network built by build_model, got {type(model).__name__}")
    return list(model.blocks.named_children())


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalar parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def cpu_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached CPU copy of the model's state dict."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def snapshot_path(run_dir: str | Path, epoch: int) -> Path:
    """The checkpoint of the weights a run kept after `epoch` (hyper-parameter snapshot_epochs)."""
    return Path(run_dir) / "snapshots" / f"epoch{epoch}.pt"


def checkpoint_dict(
    model: nn.Module | Mapping[str, torch.Tensor],
    arch: str,
    arch_kwargs: Mapping[str, Any],
    in_channels: int,
    image_size: int,
    num_classes: int,
    normalization: NormalizationLike,
    epoch: int,
    test_error: float | None,
) -> dict[str, Any]:
    """The checkpoint contract: everything `load_checkpoint` needs to rebuild the net.

    `model` is the network (its state is copied to the CPU) or a state dict already on the CPU.
    """
    state = cpu_state_dict(model) if isinstance(model, nn.Module) else dict(model)
    return {
        "arch": arch,
        "arch_kwargs": dict(arch_kwargs),
        "in_channels": in_channels,
        "image_size": image_size,
        "num_classes": num_classes,
        "normalization": normalization_dict(normalization),
        "state_dict": state,
        "epoch": epoch,
        "test_error": test_error,
    }


def load_checkpoint(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """(model in eval mode on `device`, the checkpoint dict without its state_dict)."""
    ckpt = read_checked(path, _load_checkpoint_dict, "network checkpoint")
    meta = {k: v for k, v in ckpt.items() if k != "state_dict"}
    extra = {"pretrained": False} if get_arch(ckpt["arch"]).transfer else {}
    model = build_model(
        ckpt["arch"],
        ckpt["in_channels"],
        ckpt["image_size"],
        ckpt["num_classes"],
        ckpt["normalization"],
        **ckpt["arch_kwargs"],
        **extra,
    )
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval(), meta


def _load_checkpoint_dict(path: Path) -> dict[str, Any]:
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    missing = {"arch", "state_dict", "in_channels", "image_size"} - set(ckpt)
    if missing:
        raise ValueError(f"not a network checkpoint (no {', '.join(sorted(missing))})")
    return ckpt
