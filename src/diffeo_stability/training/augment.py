"""Batched data augmentation on the device: random crop with zero padding and horizontal flip."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def crop_flip(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Random `padding`-px shifts (zero fill) and flips with probability 1/2, per image.

    x: (B, C, H, W) of any dtype on any device; `generator` lives on the same device.
    Equivalent to RandomCrop(H, padding) + RandomHorizontalFlip: each image's window is
    selected from a strided view of every possible window (one copy of B x C rows), then the
    flipped images are taken mirrored. Returns a contiguous (B, C, H, W) tensor.
    """
    batch, _, height, width = x.shape
    device = x.device
    shift = torch.randint(0, 2 * padding + 1, (2, batch), device=device, generator=generator)
    flip = torch.rand(batch, device=device, generator=generator) < 0.5
    padded = F.pad(x, (padding, padding, padding, padding))
    windows = padded.unfold(2, height, 1).unfold(3, width, 1)  # (B, C, 2p+1, 2p+1, H, W)
    crops = windows[torch.arange(batch, device=device), :, shift[1], shift[0]]
    return torch.where(flip[:, None, None, None], crops.flip(-1), crops)
