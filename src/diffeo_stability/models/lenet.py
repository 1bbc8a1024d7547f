"""LeNet: two 5x5 convolutions (6, 16 channels, max-pool 2) and three linear layers."""

from __future__ import annotations

from torch import nn

from diffeo_stability.models.common import BlockNet, Prepare, scale_width


def lenet(
    in_channels: int, image_size: int, num_classes: int, prep: Prepare, width_factor: float = 1.0
) -> BlockNet:
    """LeNet-5 without padding: (B, C, S, S) -> (B, num_classes); S=32 -> 5x5, S=28 -> 4x4.

    `width_factor` scales every channel and hidden-unit count (1.0: 6, 16, 120, 84).
    """
    side = ((image_size - 4) // 2 - 4) // 2
    c1, c2, h1, h2 = (scale_width(c, width_factor) for c in (6, 16, 120, 84))
    blocks = [
        ("conv1", nn.Sequential(nn.Conv2d(in_channels, c1, 5), nn.ReLU(), nn.MaxPool2d(2))),
        ("conv2", nn.Sequential(nn.Conv2d(c1, c2, 5), nn.ReLU(), nn.MaxPool2d(2))),
        ("fc1", nn.Sequential(nn.Flatten(), nn.Linear(c2 * side**2, h1), nn.ReLU())),
        ("fc2", nn.Sequential(nn.Linear(h1, h2), nn.ReLU())),
        ("fc3", nn.Linear(h2, num_classes)),
    ]
    return BlockNet(prep, blocks)
