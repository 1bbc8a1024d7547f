"""Inference preparation of a network (evaluation with running statistics: the per-epoch test
error, probing trained networks): batch-norms folded into convolutions, activations in place."""

from __future__ import annotations

import torch
from torch import nn

#: activations that can overwrite their input, and the modules whose output is a fresh tensor
#: that nothing else reads (so an activation right after one may overwrite it)
_ACTIVATIONS = (nn.ReLU, nn.SiLU)
_FRESH_OUTPUT = (nn.Conv2d, nn.BatchNorm2d, nn.Linear)


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


def inplace_activations(model: nn.Module) -> int:
    """In place: every ReLU / SiLU of an `nn.Sequential` whose input is the output of a Conv2d,
    BatchNorm2d or Linear just before it (looking through the `nn.Identity` that folding
    leaves) overwrites that input instead of allocating its output; returns how many. The
    outputs of the probed blocks are never overwritten (each is a Sequential's or a block's
    own output). For inference only, like the folding."""
    changed = 0
    for sequence in model.modules():
        if not isinstance(sequence, nn.Sequential):
            continue
        producer = None
        for module in sequence.children():
            if isinstance(module, _ACTIVATIONS) and isinstance(producer, _FRESH_OUTPUT):
                module.inplace = True
                changed += 1
            if not isinstance(module, nn.Identity):
                producer = module
    return changed


def prepare_inference(model: nn.Module) -> nn.Module:
    """`model` itself, batch-norms folded (`fold_batchnorm`) and activations made in place
    (`inplace_activations`): its evaluation-mode function, same values to float rounding,
    fewer memory passes. Must not be trained or run with batch statistics afterwards."""
    fold_batchnorm(model)
    inplace_activations(model)
    return model
