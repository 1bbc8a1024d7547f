"""Neuron stability to local linear transformations (the slides' last analysis).

For a neuron n of a layer (one channel at one position of the layer's output map) only the
input patch inside its receptive field is deformed, by a translation (tau = t, |t| = norm px)
or by a linear map tau(s) = U (s - centre) about the field's centre, U a rotation, compression
or pure shear (antisymmetric, trace or symmetric traceless, `linear_parts`) of Frobenius norm
`norm`. alpha = <[a_n(x) - a_n(tau x)]^2> over neurons, images and transformations.

Batching: neurons whose receptive fields do not overlap are measured in the same forward pass
(their patches are deformed together, each by its own draw; a neuron sees only its own patch).
Per layer, `groups` sets of positions on a grid of step ceil(field / jump) are used; every
channel at a position is a neuron. Receptive fields are computed for nets made of convolutions,
pools, zero padding and element-wise modules in sequence (VGG, LeNet, AlexNet, the local nets).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from diffeo_stability.diffeo.interpolation import deform
from diffeo_stability.errors import ConfigError
from diffeo_stability.mechanisms.neuron_settings import INACTIVE_MAJORITY, NeuronStabilitySettings
from diffeo_stability.models.build import layer_modules

_ELEMENTWISE = (nn.ReLU, nn.SiLU, nn.BatchNorm2d, nn.Identity, nn.Dropout)
_WINDOWED = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of a layer's neurons in input pixels: neuron i (along rows or columns)
    sees pixels [start + i jump, start + i jump + size) (before clipping to the image)."""

    size: int
    jump: int
    start: int

    def span(self, index: int, side: int) -> tuple[int, int]:
        """[first, last + 1) pixels of neuron `index`'s field inside an image of `side` px."""
        first = self.start + index * self.jump
        return max(first, 0), min(first + self.size, side)

    def centre(self, index: int) -> float:
        """Centre of neuron `index`'s (unclipped) field, in pixels."""
        return self.start + index * self.jump + (self.size - 1) / 2


def _pair(value: int | tuple[int, ...]) -> int:
    values = (value,) if isinstance(value, int) else tuple(value)
    if len(set(values)) != 1:
        raise ConfigError(f"receptive fields need square windows, got {value}")
    return values[0]


def _leaves(module: nn.Module) -> Iterator[nn.Module]:
    """Leaf modules in forward order; ConfigError for containers other than nn.Sequential."""
    children = list(module.children())
    if not children:
        yield module
        return
    if not isinstance(module, nn.Sequential):
        raise ConfigError(
            f"receptive fields are computed for sequential nets; {type(module).__name__} is not"
        )
    for child in children:
        yield from _leaves(child)


def receptive_field(modules: list[nn.Module]) -> ReceptiveField:
    """The receptive field of the output of `modules` applied in order to the image."""
    size, jump, start = 1, 1, 0
    for module in (leaf for m in modules for leaf in _leaves(m)):
        if isinstance(module, nn.ZeroPad2d):
            left, _, top, _ = module.padding
            if left != top:
                raise ConfigError("receptive fields need the same padding on both axes")
            start -= left * jump
        elif isinstance(module, _WINDOWED):
            kernel, stride = _pair(module.kernel_size), _pair(module.stride or module.kernel_size)
            padding = _pair(module.padding)
            dilation = _pair(getattr(module, "dilation", 1))
            start -= padding * jump
            size += dilation * (kernel - 1) * jump
            jump *= stride
        elif not isinstance(module, _ELEMENTWISE):
            raise ConfigError(f"{type(module).__name__} has no spatial receptive field")
    return ReceptiveField(size, jump, start)


def position_groups(field: ReceptiveField, side: int, groups: int) -> list[np.ndarray]:
    """Up to `groups` sets of output positions (K, 2) (row, column) whose fields do not overlap:
    the positions congruent to one offset modulo step = ceil(size / jump), offsets taken in a
    fixed spread order."""
    step = math.ceil(field.size / field.jump)
    offsets = [(a, b) for a in range(step) for b in range(step)]
    order = np.random.default_rng(0).permutation(len(offsets))
    chosen = [offsets[k] for k in order[:groups]]
    out = []
    for a, b in chosen:
        rows, cols = np.arange(a, side, step), np.arange(b, side, step)
        if len(rows) and len(cols):
            out.append(np.stack(np.meshgrid(rows, cols, indexing="ij"), -1).reshape(-1, 2))
    return out


def unit_transforms(kind: str, count: int, gen: torch.Generator) -> torch.Tensor:
    """`count` random transformations of `kind`, (count, 2, 3): [U | t] with tau(s) = U s' + t,
    s' = s - centre in (u, v) pixels; ||t|| = 1 for translations (random direction), ||U||_F = 1
    otherwise (rotation and compression of random sign, shear of random axes)."""
    out = torch.zeros(count, 2, 3, dtype=torch.float64)
    angle = torch.rand(count, generator=gen, dtype=torch.float64) * 2 * math.pi
    sign = torch.randint(0, 2, (count,), generator=gen).to(torch.float64) * 2 - 1
    r = 2**-0.5
    if kind == "translation":
        out[:, 0, 2], out[:, 1, 2] = torch.cos(angle), torch.sin(angle)
    elif kind == "rotation":
        out[:, 0, 1], out[:, 1, 0] = -sign * r, sign * r
    elif kind == "compression":
        out[:, 0, 0] = out[:, 1, 1] = sign * r
    elif kind == "shear":
        a, b = torch.cos(2 * angle) * r, torch.sin(2 * angle) * r
        out[:, 0, 0], out[:, 0, 1], out[:, 1, 0], out[:, 1, 1] = a, b, b, -a
    else:
        raise ConfigError(f"unknown deformation kind {kind!r}")
    return out


def patch_fields(
    field: ReceptiveField, positions: np.ndarray, transforms: torch.Tensor, side: int, norm: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Displacement fields (T, 2, side, side) in px deforming each position's patch by its own
    transform (transforms (T, K, 2, 3), K positions) and zero elsewhere; and the patch mask
    (side, side), True inside the patches."""
    count = transforms.shape[0]
    tau = torch.zeros(count, 2, side, side, dtype=torch.float64)
    mask = torch.zeros(side, side, dtype=torch.bool)
    grid = torch.arange(side, dtype=torch.float64)
    for k, (row, col) in enumerate(positions):
        (r0, r1), (c0, c1) = field.span(int(row), side), field.span(int(col), side)
        u = (grid[c0:c1] - field.centre(int(col)))[None, :].expand(r1 - r0, -1)
        v = (grid[r0:r1] - field.centre(int(row)))[:, None].expand(-1, c1 - c0)
        m = transforms[:, k]  # (T, 2, 3)
        for i in range(2):
            tau[:, i, r0:r1, c0:c1] = (
                m[:, i, 0, None, None] * u + m[:, i, 1, None, None] * v + m[:, i, 2, None, None]
            )
        mask[r0:r1, c0:c1] = True
    return tau * norm, mask


def deformed_patches(
    images: torch.Tensor,
    field: ReceptiveField,
    positions: np.ndarray,
    draws: torch.Tensor,
    norm: float,
) -> tuple[torch.Tensor, float]:
    """Images (N, C, S, S) with each position's patch deformed by its own draw (draws
    (T, K, 2, 3), `unit_transforms` of norm 1 scaled by `norm`), bilinear; pixels outside the
    patches are the images' own, exactly. Returns the (T N, C, S, S) deformed images, transform
    major, and the RMS displacement inside the patches (px)."""
    count, side = draws.shape[0], images.shape[-1]
    tau, mask = patch_fields(field, positions, draws, side, norm)
    rms = float(tau.square().sum(1)[:, mask].mean().sqrt())
    clean = images.repeat(count, 1, 1, 1)
    deformed = deform(clean, tau.repeat_interleave(len(images), 0).to(images.device, images.dtype))
    return torch.where(mask.to(images.device), deformed, clean), rms


@torch.no_grad()
def _activations(
    blocks: nn.Module, images: torch.Tensor, positions: np.ndarray, max_batch: int
) -> torch.Tensor:
    """Activations (N, C, K) of the layer `blocks` ends with, at the K positions."""
    rows, cols = torch.as_tensor(positions[:, 0]), torch.as_tensor(positions[:, 1])
    return torch.cat([blocks(chunk)[:, :, rows, cols] for chunk in images.split(max_batch)])


@dataclass
class LayerResult:
    """Per kind: squared changes summed over images and transforms per neuron (C, K); clean
    activations (N, C, K); the RMS displacement inside the patches (px) and the field size."""

    squared_change: dict[str, torch.Tensor]
    activations: torch.Tensor
    displacement_rms: dict[str, float]
    field: ReceptiveField


def layer_stability(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    settings: NeuronStabilitySettings,
    seed: int,
) -> LayerResult:
    """Neuron stability of the sampled neurons of `layer` (a block name of `model`) on
    float images (N, C, S, S) in [0, 1]; transforms drawn from `seed` (the same for every
    state of a run, so init and trained nets see the same deformations)."""
    names = [name for name, _ in layer_modules(model)]
    if layer not in names:
        raise ConfigError(f"unknown layer {layer!r}; the net's layers: {', '.join(names)}")
    index = names.index(layer)
    chain = nn.Sequential(model.prep, *model.blocks[: index + 1]).eval()
    field = receptive_field(list(model.blocks[: index + 1]))
    n = images.shape[0]
    with torch.no_grad():
        out_side = chain(images[:1]).shape[-1]
    groups = position_groups(field, out_side, settings.groups)
    gen = torch.Generator().manual_seed(seed * 1000 + index)
    changes, clean, rms = {}, [], {}
    for positions in groups:
        clean.append(_activations(chain, images, positions, settings.max_batch))
    for kind in settings.kinds:
        sums, rms_parts = [], []
        for positions, a in zip(groups, clean, strict=True):
            draws = unit_transforms(kind, settings.transforms * len(positions), gen)
            draws = draws.view(settings.transforms, len(positions), 2, 3)
            deformed, rms_part = deformed_patches(images, field, positions, draws, settings.norm)
            rms_parts.append(rms_part)
            b = _activations(chain, deformed, positions, settings.max_batch)
            diff = b.view(settings.transforms, n, *a.shape[1:]) - a
            sums.append(diff.double().square().sum((0, 1)))  # (C, K)
        changes[kind] = torch.cat(sums, dim=1)
        rms[kind] = float(np.mean(rms_parts))
    return LayerResult(changes, torch.cat(clean, dim=2), rms, field)


def summary_rows(result: LayerResult, images: int, transforms: int) -> list[dict[str, float]]:
    """One row per kind: neuron counts, alpha over all and over active neurons, mean squared
    activation over the same sets, the field size and the RMS displacement in the patches."""
    a = result.activations.double()  # (N, C, K)
    active = ((a <= 0).double().mean(0) <= INACTIVE_MAJORITY).flatten()  # (C K,)
    square = a.square().mean(0).flatten()
    rows = []
    for kind, total in result.squared_change.items():
        per_neuron = (total / (images * transforms)).flatten()
        rows.append(
            {
                "kind": kind,
                "field_px": result.field.size,
                "neurons": int(per_neuron.numel()),
                "active_neurons": int(active.sum()),
                "alpha": float(per_neuron.mean()),
                "alpha_active": float(per_neuron[active].mean()) if active.any() else math.nan,
                "activation_sq": float(square.mean()),
                "activation_sq_active": float(square[active].mean()) if active.any() else math.nan,
                "displacement_rms_px": result.displacement_rms[kind],
            }
        )
    return rows
