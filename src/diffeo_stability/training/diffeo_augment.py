"""Max-entropy diffeo augmentation: one random diffeo per training image, batched on the device.

As the authors' `--diffeo` option (diffeo-sota's data loader, the `Diffeo` transform of
pcsl-epfl/diffeomorphism), each image gets its own cut-off c and temperature T:

    c = c_min + floor(B_c (c_max + 1 - c_min))   (clamped to c_max),   B_c ~ Beta(alpha_c, beta_c),
    T = T_min(c) + B_T (T_max(c) - T_min(c)),                          B_T ~ Beta(alpha_T, beta_T),

with `fields.temperature_range` (T_min: r.m.s. centre displacement 1/2 px; T_max: the scale
where overhangs appear; both divide by log c, hence c >= 2). The field keeps the modes of the
authors' cut-off rule ("code") and the image is resampled bilinearly (their default). Every
draw comes from the trainer's augmentation generator, so a resumed run draws the same fields.
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F

from diffeo_stability.diffeo.fields import (
    field_from_coefficients,
    mode_std,
    temperature_range,
)
from diffeo_stability.diffeo.interpolation import deform
from diffeo_stability.training.hparams import HParams

log = logging.getLogger(__name__)

#: the authors' cut-off rule and interpolation of the augmentation (diffeomorphism's `deform`)
CUTOFF_RULE = "code"
INTERPOLATION = "bilinear"


def sample_beta(
    concentration: torch.Tensor, batch: int, generator: torch.Generator
) -> torch.Tensor:
    """`batch` draws of Beta(alpha, beta), concentration = (alpha, beta) on the generator's
    device; float32, shape (batch,): X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta)
    (torch.distributions.Beta takes no generator; `torch._standard_gamma` does)."""
    gamma = torch._standard_gamma(concentration.expand(batch, 2).contiguous(), generator=generator)
    return gamma[:, 0] / gamma.sum(dim=1)


class RandomDiffeo:
    """The diffeo augmentation of one run: images of side `size` px on `device`.

    Holds, per admissible cut-off c = c_min..c_max, the mode standard deviations at T = 1
    (padded to the largest c's modes) and T's bounds, so that a batch is drawn at once."""

    def __init__(self, hp: HParams, size: int, device: torch.device) -> None:
        self.cut_min, self.cut_max = hp.diffeo_cut_min, hp.diffeo_cut_max
        #: (alpha, beta) of the Beta laws of c and T, float32 on `device`
        self.cut_beta = torch.tensor(hp.diffeo_cut_beta, device=device)
        self.temperature_beta = torch.tensor(hp.diffeo_temperature_beta, device=device)
        self.size = size
        cuts = range(self.cut_min, self.cut_max + 1)
        modes = mode_std(float(self.cut_max), CUTOFF_RULE).shape[0]
        stds = []
        for c in cuts:
            std = mode_std(float(c), CUTOFF_RULE)
            stds.append(F.pad(std, (0, modes - std.shape[0], 0, modes - std.shape[0])))
        #: (cuts, m, m) float32: per cut-off, 1 / sqrt(i^2 + j^2) on its kept modes, else 0
        self.mode_std = torch.stack(stds).to(device=device, dtype=torch.float32)
        bounds = torch.tensor([temperature_range(size, float(c)) for c in cuts])
        #: (cuts, 2) float32: T_min(c), T_max(c) for `size`-px images
        self.temperature_bounds = bounds.to(device=device, dtype=torch.float32)
        reversed_cuts = [c for c, (lo, hi) in zip(cuts, bounds.tolist(), strict=True) if hi < lo]
        if reversed_cuts:  # the authors' formula then draws between them all the same
            log.warning(
                "diffeo augmentation on %d px images: T_max < T_min for c = %s "
                "(c >= 2 n / pi: overhangs below delta = 1/2 px)",
                size,
                reversed_cuts,
            )

    def draw(self, batch: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Cut-offs (batch,) int64 in [c_min, c_max] and temperatures (batch,) float32."""
        count = self.cut_max + 1 - self.cut_min
        index = (sample_beta(self.cut_beta, batch, generator) * count).long().clamp(max=count - 1)
        low, high = self.temperature_bounds[index].unbind(dim=1)
        temperature = low + sample_beta(self.temperature_beta, batch, generator) * (high - low)
        return index + self.cut_min, temperature

    def displacement(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """`batch` fields, each at its own (c, T), in pixels: (batch, 2, size, size) float32."""
        cut, temperature = self.draw(batch, generator)
        std = self.mode_std[cut - self.cut_min]  # (batch, m, m)
        noise = torch.randn(
            (batch, 2, *std.shape[1:]), generator=generator, device=std.device, dtype=std.dtype
        )
        coeffs = noise * std[:, None] * temperature.sqrt()[:, None, None, None]
        return field_from_coefficients(coeffs, self.size)

    def __call__(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Each image of the float (B, C, size, size) batch deformed by its own random diffeo."""
        return deform(images, self.displacement(len(images), generator), INTERPOLATION)
