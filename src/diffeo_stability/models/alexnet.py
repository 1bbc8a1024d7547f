"""AlexNet for 32x32 inputs (28x28 zero-padded to 32): five 3x3 convolutions, three linear."""

from __future__ import annotations

from torch import nn

from diffeo_stability.models.common import BlockNet, Prepare, pad_to


def alexnet(in_channels: int, image_size: int, num_classes: int, prep: Prepare) -> BlockNet:
    """(B, C, S, S) -> (B, num_classes); spatial 32 -> 16 (stride 2) -> 8 -> 4 -> 2."""

    def conv(c_in: int, c_out: int, stride: int = 1, pool: bool = False) -> nn.Sequential:
        layers = [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.ReLU()]
        return nn.Sequential(*layers, *([nn.MaxPool2d(2)] if pool else []))

    blocks = [
        ("conv1", nn.Sequential(*pad_to(image_size), conv(in_channels, 64, 2, pool=True))),
        ("conv2", conv(64, 192, pool=True)),
        ("conv3", conv(192, 384)),
        ("conv4", conv(384, 256)),
        ("conv5", conv(256, 256, pool=True)),
        ("fc1", nn.Sequential(nn.Flatten(), nn.Dropout(), nn.Linear(256 * 2 * 2, 4096), nn.ReLU())),
        ("fc2", nn.Sequential(nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU())),
        ("fc3", nn.Linear(4096, num_classes)),
    ]
    return BlockNet(prep, blocks)
