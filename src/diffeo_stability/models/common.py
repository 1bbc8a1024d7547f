"""Building blocks shared by the architectures: input preparation and the block container."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


class Prepare(nn.Module):
    """Checks the channel count, normalises, optionally repeats gray to RGB and resizes.

    Input: float32 (B, C, H, W) in [0, 1]. Output: (B, C', S, S) with C' = 3 when
    `repeat_to` = 3, S = `resize` (bicubic) when given.
    """

    def __init__(
        self,
        in_channels: int,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        repeat_to: int | None = None,
        resize: int | None = None,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.normalize = mean is not None
        shape = (1, -1, 1, 1)
        self.register_buffer(
            "mean", torch.tensor(mean or [0.0], dtype=torch.float32).view(shape), persistent=False
        )
        self.register_buffer(
            "std", torch.tensor(std or [1.0], dtype=torch.float32).view(shape), persistent=False
        )
        self.repeat_to = repeat_to
        self.resize = resize

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected input (B, {self.in_channels}, H, W), got {tuple(x.shape)}")
        if self.normalize:
            x = (x - self.mean) / self.std
        if self.repeat_to is not None and x.shape[1] != self.repeat_to:
            x = x.expand(-1, self.repeat_to, -1, -1)
        if self.resize is not None and x.shape[-1] != self.resize:
            size = (self.resize, self.resize)
            x = F.interpolate(x, size=size, mode="bicubic", align_corners=False)
        return x


class BlockNet(nn.Module):
    """`prep` followed by named `blocks` in order; each block's output is one probed layer."""

    def __init__(self, prep: nn.Module, blocks: Sequence[tuple[str, nn.Module]]) -> None:
        super().__init__()
        self.prep = prep
        self.blocks = nn.Sequential(OrderedDict(blocks))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.prep(x))


def conv_bn_act(
    c_in: int,
    c_out: int,
    kernel: int = 3,
    stride: int = 1,
    groups: int = 1,
    batchnorm: bool = True,
    act: type[nn.Module] | None = nn.ReLU,
) -> list[nn.Module]:
    """[conv (same padding), batch-norm?, activation?]; conv has a bias only without batch-norm."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=not batchnorm)
    ]
    if batchnorm:
        layers.append(nn.BatchNorm2d(c_out))
    if act is not None:
        layers.append(act())
    return layers


def pad_to(image_size: int, side: int = 32) -> list[nn.Module]:
    """Zero padding that brings a smaller square image to `side` (28 -> 32 as for MNIST)."""
    if image_size >= side:
        return []
    total = side - image_size
    return [nn.ZeroPad2d((total // 2, total - total // 2, total // 2, total - total // 2))]


def classifier(c_in: int, num_classes: int, dropout: float = 0.0) -> nn.Sequential:
    """Global average pool, flatten, optional dropout, linear: (B, c_in, h, w) -> (B, classes)."""
    layers: list[nn.Module] = [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(c_in, num_classes))
    return nn.Sequential(*layers)


def scale_width(channels: int, width_factor: float) -> int:
    """Channel count scaled by `width_factor` (>= 4); 1.0 gives the published architecture."""
    return channels if width_factor == 1.0 else max(4, round(channels * width_factor))
