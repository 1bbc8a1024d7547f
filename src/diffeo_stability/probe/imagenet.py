"""R_f of ImageNet-pretrained torchvision nets (the ImageNet bars of Fig. 3), optional.

The user supplies an image folder (e.g. a copy of ImageNet validation images, any depth of
sub-folders) and a weights file (a torchvision state dict, optionally under "state_dict").
Images: sorted by path, the first `n_probe`, centre square crop, resized to n x n (bicubic),
float32 RGB in [0, 1]; the ImageNet normalisation is applied inside the probed function.
Rows carry dataset "imagenet", P = n_train = 1281167 (the full set) and test_error NaN (not
measured).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torch import nn

from diffeo_stability.device import strict_fp32
from diffeo_stability.errors import ConfigError, DataError, MissingWeightsError
from diffeo_stability.models.fold import prepare_inference
from diffeo_stability.probe.measure import Blocks, probe_function
from diffeo_stability.probe.settings import ProbeSettings
from diffeo_stability.probe.training_run import with_run_columns

ARCHS = ("resnet101", "efficientnet_b2")
IMAGENET_TRAIN_SIZE = 1281167
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def list_images(folder: str | os.PathLike[str]) -> list[Path]:
    """Image files under `folder` (recursive), sorted by path."""
    paths = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise DataError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {folder}")
    return paths


def centre_square(path: Path, size: int) -> np.ndarray:
    """The image at `path` as RGB uint8 (size, size, 3): centre square crop, bicubic resize."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        side = min(rgb.size)
        left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
        square = rgb.crop((left, top, left + side, top + side))
        return np.asarray(square.resize((size, size), Image.Resampling.BICUBIC))


def load_images(folder: str | os.PathLike[str], n_probe: int, size: int) -> torch.Tensor:
    """The first `n_probe` images of `folder`, float32 (B, 3, size, size) in [0, 1] (CPU)."""
    stack = np.stack([centre_square(path, size) for path in list_images(folder)[:n_probe]])
    return torch.from_numpy(stack).permute(0, 3, 1, 2).float() / 255.0


class Normalized(nn.Module):
    """ImageNet normalisation followed by `net`: float32 [0, 1] images in, logits out."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)


def imagenet_blocks(arch: str, net: nn.Module) -> Blocks:
    """The probed blocks of a torchvision net, in order, the classifier (output) last."""
    if arch == "resnet101":
        stages = [(f"layer{i}", getattr(net, f"layer{i}")) for i in (1, 2, 3, 4)]
        return [("stem", net.maxpool), *stages, ("fc", net.fc)]
    features = [(f"features{i}", module) for i, module in enumerate(net.features)]
    return [*features, ("classifier", net.classifier)]


def load_imagenet_model(arch: str, weights: str | os.PathLike[str]) -> tuple[Normalized, Blocks]:
    """torchvision `arch` with the state dict in `weights`, wrapped with the normalisation."""
    if arch not in ARCHS:
        raise ConfigError(f"ImageNet architecture {arch!r} unknown; allowed: {', '.join(ARCHS)}")
    if not Path(weights).is_file():
        raise MissingWeightsError(f"weights file {weights} not found")
    import torchvision  # only here: the command imports this module to skip quickly

    net = getattr(torchvision.models, arch)(weights=None)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    net.load_state_dict(state.get("state_dict", state))
    return Normalized(net).eval(), imagenet_blocks(arch, net)


def probe_imagenet(
    folder: str | os.PathLike[str],
    weights: str | os.PathLike[str],
    arch: str,
    settings: ProbeSettings,
    *,
    size: int,
    seed: int,
    device: torch.device | str = "cpu",
) -> pd.DataFrame:
    """Probe rows (`probe.PROBE_COLUMNS`, state "trained") of a pretrained ImageNet net on the
    first `settings.n_probe` images of `folder`, centre crops of `size` px (the config's
    `imagenet` section: `probe.settings.ImagenetSettings`)."""
    strict_fp32()
    model, blocks = load_imagenet_model(arch, weights)
    prepare_inference(model)  # pretrained: evaluation mode throughout
    images = load_images(folder, settings.n_probe, size).to(device)
    rows = probe_function(
        model.to(device), images, settings, seed=seed, state="trained", blocks=blocks
    )
    return with_run_columns(
        rows,
        dataset="imagenet",
        arch=arch,
        P="full",
        n_train=IMAGENET_TRAIN_SIZE,
        epochs=0,  # pretrained elsewhere: no budget of ours
        augmentation="none",  # nor augmentation option
        seed=seed,
        test_error=None,
    )
