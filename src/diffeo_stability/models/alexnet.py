"""AlexNet for 32x32 inputs (28x28 zero-padded to 32): five 3x3 convolutions, three linear."""

from __future__ import annotations

from torch import nn

from diffeo_stability.models.common import BlockNet, Prepare, pad_to, scale_width


def alexnet(
    in_channels: int, image_size: int, num_classes: int, prep: Prepare, width_factor: float = 1.0
) -> BlockNet:
    """(B, C, S, S) -> (B, num_classes); spatial 32 -> 16 (stride 2) -> 8 -> 4 -> 2.

    `width_factor` scales every channel and hidden-unit count (narrower nets for CPU configs).
    """
    c1, c2, c3, c4, hidden = (scale_width(c, width_factor) for c in (64, 192, 384, 256, 4096))

    def conv(c_in: int, c_out: int, stride: int = 1, pool: bool = False) -> nn.Sequential:
        layers = [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.ReLU()]
        return nn.Sequential(*layers, *([nn.MaxPool2d(2)] if pool else []))

    blocks = [
        ("conv1", nn.Sequential(*pad_to(image_size), conv(in_channels, c1, 2, pool=True))),
        ("conv2", conv(c1, c2, pool=True)),
        ("conv3", conv(c2, c3)),
        ("conv4", conv(c3, c4)),
        ("conv5", conv(c4, c4, pool=True)),
        ("fc1", nn.Sequential(nn.Flatten(), nn.Dropout(), nn.Linear(4 * c4, hidden), nn.ReLU())),
        ("fc2", nn.Sequential(nn.Dropout(), nn.Linear(hidden, hidden), nn.ReLU())),
        ("fc3", nn.Linear(hidden, num_classes)),
    ]
    return BlockNet(prep, blocks)
