"""Simple local nets (the slides' "simple local models"): one hidden layer, pooling, read-out.

hidden: a convolution (shared weights) or a locally connected layer (one filter per position, no
sharing) with h channels of f_s x f_s filters, stride 1, "same" zero padding, ReLU;
pool: average pooling of side and stride p_s (positions beyond the last whole window dropped);
readout: a fully connected map of the pooled features to the classes.
The filters are either trained with the read-out or frozen at their random initialisation
(`train_filters=False`: their parameters do not require gradients, so no optimiser step and no
weight decay ever changes them).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from diffeo_stability.models.common import BlockNet, Prepare, scale_width


class LocallyConnected2d(nn.Module):
    """A convolution without weight sharing: (B, C, S, S) -> (B, h, S', S'), S' = S + 2 pad - k + 1.

    `weight` (S'^2, C k^2, h): one filter per output position (row-major), each in
    (C, ky, kx) order as `F.unfold`'s; `bias` (h, S', S'). Initialised like `nn.Conv2d`
    (uniform, bound 1 / sqrt(C k^2)). Computed as one unfold (sliding windows of the padded
    image laid out positions-first, (S, S, B, C): the patches are copied once, in order) and one
    einsum, a batched matrix product over positions.
    """

    def __init__(
        self, in_channels: int, out_channels: int, image_size: int, kernel_size: int, padding: int
    ) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.out_size = image_size + 2 * padding - kernel_size + 1
        fan_in = in_channels * kernel_size**2
        bound = 1.0 / math.sqrt(fan_in)
        positions = self.out_size**2
        self.weight = nn.Parameter(torch.empty(positions, fan_in, out_channels))
        self.bias = nn.Parameter(torch.empty(out_channels, self.out_size, self.out_size))
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, side, batch = self.kernel_size, self.out_size, x.shape[0]
        padded = F.pad(x, (self.padding,) * 4).permute(2, 3, 0, 1).contiguous()  # (S, S, B, C)
        windows = padded.unfold(0, k, 1).unfold(1, k, 1)  # (S', S', B, C, k, k), a view
        patches = windows.reshape(side * side, batch, -1)  # (L, B, C k^2), positions first
        out = torch.einsum("lbk,lkh->lbh", patches, self.weight)  # one matmul per position
        return out.permute(1, 2, 0).reshape(batch, -1, side, side) + self.bias


def local_net(
    in_channels: int,
    image_size: int,
    num_classes: int,
    prep: Prepare,
    layer: str,
    train_filters: bool,
    channels: int,
    filter_size: int,
    pool_size: int,
    width_factor: float = 1.0,
) -> BlockNet:
    """(B, C, S, S) -> (B, num_classes); probed blocks: hidden (after the ReLU), pool, readout.

    `layer`: "conv" or "locally_connected"; `width_factor` scales the hidden channels h
    (at least 4, as every width of the package); `pool_size` must be at most S.
    """
    from diffeo_stability.errors import ConfigError

    if pool_size > image_size:
        raise ConfigError(f"pool size p_s={pool_size} is larger than the image ({image_size} px)")
    h, pad = scale_width(channels, width_factor), filter_size // 2
    if layer == "conv":
        hidden: nn.Module = nn.Conv2d(in_channels, h, filter_size, padding=pad)
    else:
        hidden = LocallyConnected2d(in_channels, h, image_size, filter_size, pad)
    hidden.requires_grad_(train_filters)
    pooled = image_size // pool_size
    blocks = [
        ("hidden", nn.Sequential(hidden, nn.ReLU())),
        ("pool", nn.AvgPool2d(pool_size)),
        ("readout", nn.Sequential(nn.Flatten(), nn.Linear(h * pooled**2, num_classes))),
    ]
    return BlockNet(prep, blocks)
