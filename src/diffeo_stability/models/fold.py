"""Batch-norm folding for inference with running statistics (probing trained networks)."""

from __future__ import annotations

import torch
from torch import nn


def _folded(conv: nn.Conv2d, norm: nn.BatchNorm2d) -> None:
    """conv <- norm(conv) with norm's running statistics: weight rows scaled, bias shifted."""
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)  # (C_out,)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(norm.running_mean)
    conv.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
    conv.bias = nn.Parameter((bias - norm.running_mean) * scale + norm.bias)


@torch.no_grad()
def fold_batchnorm(model: nn.Module) -> int:
    """In place: every affine `BatchNorm2d` with running statistics that directly follows a
    `Conv2d` in an `nn.Sequential` is folded into that convolution and replaced by
    `nn.Identity`; returns how many were folded. The model then computes its evaluation-mode
    function (same values to float rounding, one memory pass fewer per convolution) and must
    not be trained or run with batch statistics afterwards."""
    folded = 0
    for sequence in model.modules():
        if not isinstance(sequence, nn.Sequential):
            continue
        children = list(sequence.named_children())
        for (_, conv), (name, norm) in zip(children, children[1:], strict=False):
            foldable = (
                isinstance(conv, nn.Conv2d)
                and type(norm) is nn.BatchNorm2d
                and norm.affine
                and norm.running_var is not None
            )
            if foldable:
                _folded(conv, norm)
                setattr(sequence, name, nn.Identity())
                folded += 1
    return folded
