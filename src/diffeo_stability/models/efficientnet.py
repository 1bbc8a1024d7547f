"""EfficientNet-B0 trained from scratch, the CIFAR-literature variant the authors trained: 3x3
stride-1 stem, stage strides (1, 2, 2, 2, 1, 2, 1) so that a 32x32 input ends at 2x2, MBConv
blocks with squeeze-excitation, SiLU, no 1x1 head to 1280 channels, a linear 320 -> classes."""

from __future__ import annotations

import torch
from torch import nn

from diffeo_stability.models.common import (
    BlockNet,
    Prepare,
    classifier,
    conv_bn_act,
    scale_width,
)

# (expansion, kernel, stride, output channels, repeats) of the seven MBConv stages of B0
B0_STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)


class SqueezeExcite(nn.Module):
    """x * sigmoid(W2 silu(W1 mean_hw(x))): channel gating with a `squeeze`-wide bottleneck."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, squeeze, 1)
        self.expand = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.expand(nn.functional.silu(self.reduce(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(gate)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, depthwise k x k, squeeze-excite, 1x1 project, + x if same
    shape."""

    def __init__(self, c_in: int, c_out: int, expansion: int, kernel: int, stride: int) -> None:
        super().__init__()
        hidden = c_in * expansion
        expand = conv_bn_act(c_in, hidden, 1, act=nn.SiLU) if expansion != 1 else []
        self.main = nn.Sequential(
            *expand,
            *conv_bn_act(hidden, hidden, kernel, stride, groups=hidden, act=nn.SiLU),
            SqueezeExcite(hidden, max(1, c_in // 4)),
            *conv_bn_act(hidden, c_out, 1, act=None),
        )
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.main(x)
        return x + y if self.residual else y


def efficientnet_b0(
    in_channels: int, image_size: int, num_classes: int, prep: Prepare, width_factor: float = 1.0
) -> BlockNet:
    """(B, C, S, S) -> (B, num_classes); probed blocks: stem, 7 stages, classifier.

    `width_factor` scales every channel count (tiny nets for the CPU smoke config).
    """
    c_in = scale_width(32, width_factor)
    blocks: list[tuple[str, nn.Module]] = [
        ("stem", nn.Sequential(*conv_bn_act(in_channels, c_in, act=nn.SiLU)))
    ]
    for index, (expansion, kernel, stride, channels, repeats) in enumerate(B0_STAGES):
        c_out = scale_width(channels, width_factor)
        units = [
            MBConv(c_in if i == 0 else c_out, c_out, expansion, kernel, stride if i == 0 else 1)
            for i in range(repeats)
        ]
        blocks.append((f"stage{index + 1}", nn.Sequential(*units)))
        c_in = c_out
    blocks.append(("fc", classifier(c_in, num_classes, dropout=0.2)))
    return BlockNet(prep, blocks)
