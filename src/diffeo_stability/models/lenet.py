"""LeNet: two 5x5 convolutions (6, 16 channels, max-pool 2) and three linear layers."""

from __future__ import annotations

from torch import nn

from diffeo_stability.models.common import BlockNet, Prepare


def lenet(in_channels: int, image_size: int, num_classes: int, prep: Prepare) -> BlockNet:
    """LeNet-5 without padding: (B, C, S, S) -> (B, num_classes); S=32 -> 5x5, S=28 -> 4x4."""
    side = ((image_size - 4) // 2 - 4) // 2
    blocks = [
        ("conv1", nn.Sequential(nn.Conv2d(in_channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2))),
        ("conv2", nn.Sequential(nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))),
        ("fc1", nn.Sequential(nn.Flatten(), nn.Linear(16 * side**2, 120), nn.ReLU())),
        ("fc2", nn.Sequential(nn.Linear(120, 84), nn.ReLU())),
        ("fc3", nn.Linear(84, num_classes)),
    ]
    return BlockNet(prep, blocks)
