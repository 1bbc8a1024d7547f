"""Fully connected nets FullConn-L{n}: n weight layers of width h, ReLU, NTK-style scaling.

As in the authors' code: weights and biases drawn N(0, 1); hidden layer k computes
relu(x @ W / sqrt(fan_in) + b); the output layer computes x @ W / fan_in (no bias).
"""

from __future__ import annotations

import torch
from torch import nn

from diffeo_stability.models.common import BlockNet, Prepare


class ScaledDense(nn.Module):
    """(B, ...) -> (B, fan_out); flattens its input, standard-normal parameters."""

    def __init__(self, fan_in: int, fan_out: int, last: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(fan_in, fan_out))
        self.bias = None if last else nn.Parameter(torch.randn(fan_out))
        self.scale = 1.0 / fan_in if last else fan_in**-0.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x.flatten(1) @ self.weight * self.scale
        return y if self.bias is None else torch.relu(y + self.bias)


def full_conn(
    in_channels: int,
    image_size: int,
    num_classes: int,
    prep: Prepare,
    n_layers: int,
    width: int = 64,
) -> BlockNet:
    """FullConn-L{n_layers}: input (B, C, S, S) -> (B, num_classes)."""
    dims = [in_channels * image_size**2] + [width] * (n_layers - 1) + [num_classes]
    blocks = [
        (f"dense{i + 1}", ScaledDense(dims[i], dims[i + 1], last=i == n_layers - 1))
        for i in range(n_layers)
    ]
    return BlockNet(prep, blocks)
