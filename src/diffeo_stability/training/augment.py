"""Batched data augmentation on the device: random crop with zero padding and horizontal flip."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def crop_flip(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Random `padding`-px shifts (zero fill) and flips with probability 1/2, per image.

    x: (B, C, H, W) on any device; `generator` lives on the same device. Equivalent to
    RandomCrop(H, padding) + RandomHorizontalFlip, done as one gather for the whole batch.
    """
    batch, _, height, width = x.shape
    device = x.device
    shift = torch.randint(0, 2 * padding + 1, (2, batch), device=device, generator=generator)
    flip = torch.rand(batch, device=device, generator=generator) < 0.5
    padded = F.pad(x, (padding, padding, padding, padding))
    cols = torch.arange(width, device=device).expand(batch, width)
    cols = torch.where(flip[:, None], width - 1 - cols, cols) + shift[0, :, None]
    rows = torch.arange(height, device=device)[None, :] + shift[1, :, None]
    index = torch.arange(batch, device=device)[:, None, None]
    # (B, H, W, C) after advanced indexing on dims 0, 2, 3
    out = padded.permute(0, 2, 3, 1)[index, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2)
