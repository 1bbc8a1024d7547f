"""Resampling of images along displacement fields: [tau x](s) = x(s - tau(s)), batched.

Pixel (y, x) of the output reads the input at (y - d_v, x - d_u) (pixels), clamped to the frame
[0, H-1] x [0, W-1]. Interpolations:
  * ``bilinear``: the four neighbours (torch's `grid_sample` at the clamped positions; its
    coordinate normalisation makes integer positions exact only to ~3e-6 in float32);
  * ``nearest``: the closest pixel (ties rounded to even);
  * ``gaussian``: sum_q x(q) g(q - s) / sum_q g(q - s) over all pixels q, g a Gaussian of
    sigma = 0.4715 px. The kernel and its normaliser factorise over the two axes, so it is
    evaluated on the 6 x 6 pixels around s; pixels left out are >= 3 px = 6.4 sigma away along
    one axis, so the result equals the dense n^2 x n^2 sum to ~1e-8 of the image range. The
    36 taps are accumulated one at a time over chunks of images, each pass running over
    contiguous (chunk, C, H W) values.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from diffeo_stability.diffeo.names import INTERPOLATIONS
from diffeo_stability.errors import ConfigError

GAUSSIAN_SIGMA = 0.4715
#: tap offsets of the local Gaussian window relative to floor(s), along each axis
_GAUSS_TAPS = (-2, -1, 0, 1, 2, 3)
#: images per Gaussian resampling pass: keeps the (chunk, C, H W) accumulators in cache
_GAUSS_CHUNK = 64


def _check(images: torch.Tensor, interpolation: str) -> None:
    if interpolation not in INTERPOLATIONS:
        raise ConfigError(
            f"interpolation {interpolation!r} unknown; allowed: {', '.join(INTERPOLATIONS)}"
        )
    if images.dim() != 4 or not images.is_floating_point():
        raise TypeError(
            f"images must be a float (B, C, H, W) tensor, got {images.dtype} {tuple(images.shape)}"
        )


def _gather(images: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """images (B, C, H, W), flat pixel index (B, H, W, *K) -> values (B, C, H, W, *K)."""
    b, ch = images.shape[:2]
    flat = index.reshape(b, 1, -1).expand(b, ch, -1)
    return images.flatten(2).gather(2, flat).reshape(b, ch, *index.shape[1:])


def _tap_weights(pos: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised 1-D Gaussian weights and clamped pixel indices of the taps around the
    positions pos (B, H W): both (taps, B, H W); taps outside [0, size - 1] get weight 0."""
    taps = torch.tensor(_GAUSS_TAPS, device=pos.device, dtype=pos.dtype)[:, None, None]
    where = pos.floor() + taps
    inside = (where >= 0) & (where <= size - 1)
    w = torch.exp(-((where - pos) ** 2) / (2 * GAUSSIAN_SIGMA**2)) * inside
    return w / w.sum(0), where.clamp(0, size - 1).long()


def deform(
    images: torch.Tensor, displacement: torch.Tensor, interpolation: str = "bilinear"
) -> torch.Tensor:
    """Deformed images [tau x](s) = x(s - tau(s)), shape (B, C, H, W) like `images`.

    `displacement` (B, 2, H, W) in pixels, channel 0 along columns (u), 1 along rows (v)."""
    _check(images, interpolation)
    b, _, h, w = images.shape
    if displacement.shape != (b, 2, h, w):
        raise ValueError(f"displacement shape {tuple(displacement.shape)} != {(b, 2, h, w)}")
    d = displacement.to(images.dtype)
    cols = torch.arange(w, device=images.device, dtype=images.dtype)
    rows = torch.arange(h, device=images.device, dtype=images.dtype)[:, None]
    xs = (cols - d[:, 0]).clamp(0, w - 1)  # (B, H, W) sample positions, pixels
    ys = (rows - d[:, 1]).clamp(0, h - 1)
    if interpolation == "nearest":
        return _gather(images, ys.round().long() * w + xs.round().long())
    if interpolation == "bilinear":
        grid = torch.stack([xs * (2 / (w - 1)) - 1, ys * (2 / (h - 1)) - 1], -1)
        return F.grid_sample(images, grid, mode="bilinear", align_corners=True)
    parts = (t.split(_GAUSS_CHUNK) for t in (images, xs, ys))
    return torch.cat([_gaussian(*chunk) for chunk in zip(*parts, strict=True)])


def _gaussian(images: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Gaussian resampling of images (B, C, H, W) at clamped positions xs, ys (B, H, W)."""
    b, ch, h, w = images.shape
    wx, ix = _tap_weights(xs.reshape(b, -1), w)
    wy, iy = _tap_weights(ys.reshape(b, -1), h)
    flat = images.reshape(b, ch, h * w)
    out = torch.zeros_like(flat)
    for a in range(len(_GAUSS_TAPS)):  # tap rows; each one a weighted sum over tap columns
        row = torch.zeros_like(flat)
        for t in range(len(_GAUSS_TAPS)):
            index = (iy[a] * w + ix[t])[:, None].expand(b, ch, -1)
            row.addcmul_(flat.gather(2, index), wx[t][:, None])
        out.addcmul_(row, wy[a][:, None])
    return out.view(b, ch, h, w)


def smooth(images: torch.Tensor, interpolation: str) -> torch.Tensor:
    """The zero-displacement resampling of `images` (B, C, H, W): Gaussian smoothing for
    ``gaussian`` (so clean and deformed images are smoothed alike), `images` itself otherwise."""
    _check(images, interpolation)
    if interpolation != "gaussian":
        return images
    b, _, h, w = images.shape
    return deform(images, images.new_zeros(b, 2, h, w), interpolation)
