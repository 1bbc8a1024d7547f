"""ResNet18/34/50, CIFAR style: 3x3 stride-1 stem, no max-pool, four stages, avg-pool, linear."""

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

# depth -> (bottleneck?, blocks per stage)
LAYOUTS: dict[int, tuple[bool, tuple[int, int, int, int]]] = {
    18: (False, (2, 2, 2, 2)),
    34: (False, (3, 4, 6, 3)),
    50: (True, (3, 4, 6, 3)),
}


class Residual(nn.Module):
    """relu(main(x) + shortcut(x)); the shortcut is a 1x1 conv + BN when the shape changes."""

    def __init__(self, c_in: int, width: int, stride: int, bottleneck: bool) -> None:
        super().__init__()
        if bottleneck:
            c_out = 4 * width
            layers = (
                conv_bn_act(c_in, width, 1)
                + conv_bn_act(width, width, 3, stride)
                + conv_bn_act(width, c_out, 1, act=None)
            )
        else:
            c_out = width
            layers = conv_bn_act(c_in, width, 3, stride) + conv_bn_act(width, width, act=None)
        self.main = nn.Sequential(*layers)
        self.shortcut = (
            nn.Sequential(*conv_bn_act(c_in, c_out, 1, stride, act=None))
            if stride != 1 or c_in != c_out
            else nn.Identity()
        )
        self.c_out = c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.main(x) + self.shortcut(x)).relu_()  # the sum is a fresh tensor


def resnet(
    in_channels: int,
    image_size: int,
    num_classes: int,
    prep: Prepare,
    depth: int,
    width_factor: float = 1.0,
) -> BlockNet:
    """(B, C, S, S) -> (B, num_classes); probed blocks: stem, the four stages, classifier.

    `width_factor` scales every channel count (tiny nets for the CPU smoke config).
    """
    bottleneck, counts = LAYOUTS[depth]
    widths = [scale_width(w, width_factor) for w in (64, 128, 256, 512)]
    blocks: list[tuple[str, nn.Module]] = [
        ("stem", nn.Sequential(*conv_bn_act(in_channels, widths[0])))
    ]
    c_in = widths[0]
    for stage, (width, count) in enumerate(zip(widths, counts, strict=True)):
        units = []
        for i in range(count):
            unit = Residual(c_in, width, 2 if stage > 0 and i == 0 else 1, bottleneck)
            units.append(unit)
            c_in = unit.c_out
        blocks.append((f"stage{stage + 1}", nn.Sequential(*units)))
    blocks.append(("fc", classifier(c_in, num_classes)))
    return BlockNet(prep, blocks)
