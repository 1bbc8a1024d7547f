"""Adversarial diffeos and worst-case noise of the same pixel norm, per probe image.

`adversarial_diffeos` maximises ||f(tau x) - f(x)||^2 of each image over the mode amplitudes of
both field components, on the sphere of the ensemble's norm (`diffeo.constrained`: the fields
have the ||grad tau||^2 of a typical diffeo at the point's T). `worst_noise` maximises
||f(x + eta) - f(x)||^2 over eta on the sphere ||eta|| = r_i of each image. Both by projected
gradient ascent (`ascend`): from each of `restarts` random starts (drawn from the ensemble /
isotropic, then projected; in the probe the noise search also weighs the adversarial
diffeo's own pixel change), `steps` normalised gradient steps of `step_size` times the
sphere's radius, each followed by the projection; the best iterate of each image over all
steps and restarts is kept, so more steps never lower the result.

The objective is separable over images for a net in evaluation mode, which is then attacked in
chunks of `max_batch` images; a net on batch statistics (`separate`) sees each group of all
images as one forward batch, as in the probe. Starts are drawn for all images at once from the
given generator, so the result does not depend on the chunking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import torch

from diffeo_stability.diffeo import constrained
from diffeo_stability.diffeo.fields import deform, field_from_coefficients

#: f on images (B, C, n, n) -> flattened outputs (B, K), differentiable
Forward = Callable[[torch.Tensor], torch.Tensor]
#: parameters (B, ...) -> perturbed outputs (B, K)
Objective = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Ascent:
    """Projected gradient ascent: `restarts` starts, `steps` steps of `step_size` x radius."""

    steps: int
    restarts: int
    step_size: float


@dataclass(frozen=True)
class Best:
    """Per image: the best parameters (B, ...), their squared output change (B,) and the
    perturbed outputs (B, K)."""

    params: torch.Tensor
    values: torch.Tensor
    outputs: torch.Tensor


def ascend(
    objective: Objective,
    clean: torch.Tensor,
    starts: torch.Tensor,
    radius: torch.Tensor,
    ascent: Ascent,
) -> Best:
    """Maximise ||objective(p_i) - clean_i||^2 for each row p_i on the sphere ||p_i|| =
    radius_i. `clean` (B, K), `starts` (restarts, B, ...) unprojected, `radius` (B,)."""
    best: Best | None = None
    for start in starts:
        params = constrained.onto_sphere(start, radius)
        for step in range(ascent.steps + 1):
            climbing = step < ascent.steps  # the last iterate is only evaluated
            with torch.set_grad_enabled(climbing):
                params.requires_grad_(climbing)
                outputs = objective(params)
                values = (outputs - clean).square().sum(1)
                if climbing:
                    (grad,) = torch.autograd.grad(values.sum(), params)
            best = _keep_best(best, params.detach(), values.detach(), outputs.detach())
            if climbing:
                direction = constrained.onto_sphere(grad, radius * ascent.step_size)
                params = constrained.onto_sphere(params.detach() + direction, radius)
    assert best is not None  # at least one restart (ProbeSettings)
    return best


def random_starts(
    shape: tuple[int, ...], count: int, generator: torch.Generator, like: torch.Tensor
) -> torch.Tensor:
    """(count, *shape) standard normal starts on `like`'s device and dtype, one draw per
    start, so the first ones do not depend on their number."""
    draws = [
        torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)
        for _ in range(count)
    ]
    return torch.stack(draws) if draws else like.new_empty((0, *shape))


def _keep_best(
    best: Best | None, params: torch.Tensor, values: torch.Tensor, outputs: torch.Tensor
) -> Best:
    if best is None:
        return Best(params, values, outputs)
    better = values > best.values
    return Best(
        torch.where(better.view(-1, *[1] * (params.dim() - 1)), params, best.params),
        torch.where(better, values, best.values),
        torch.where(better[:, None], outputs, best.outputs),
    )


_BEST_FIELDS = [field.name for field in fields(Best)]


def _chunked(run: Callable[[slice], Best], batch: int, chunk: int | None) -> Best:
    """`run` on consecutive slices of `chunk` images out of `batch` (one slice when None),
    concatenated."""
    step = chunk or batch
    parts = [run(slice(i, i + step)) for i in range(0, batch, step)]
    return Best(*(torch.cat([getattr(p, name) for p in parts]) for name in _BEST_FIELDS))


@dataclass(frozen=True)
class DiffeoSpace:
    """The constrained fields of one point: temperature T, cut-off c and rule, interpolation."""

    T: float
    c: float
    cutoff: str
    interpolation: str

    def deformed(self, images: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """tau x for whitened amplitudes z (B, 2, m, m) of images (B, C, n, n)."""
        coeffs = constrained.coefficients_from_whitened(z, self.T, self.c, self.cutoff)
        return deform(images, field_from_coefficients(coeffs, images.shape[-1]), self.interpolation)


def adversarial_diffeos(
    f: Forward,
    images: torch.Tensor,
    clean_outputs: torch.Tensor,
    space: DiffeoSpace,
    ascent: Ascent,
    generator: torch.Generator,
    chunk: int | None,
) -> Best:
    """The constrained field (whitened amplitudes, (B, 2, m, m)) of each image (B, C, n, n)
    that changes f most from `clean_outputs` (B, K); `chunk` None: all images in one batch."""
    mask = constrained.mode_mask(space.c, space.cutoff, images.device)
    shape = (len(images), 2, *mask.shape)
    starts = random_starts(shape, ascent.restarts, generator, images) * mask
    radius = images.new_full((len(images),), constrained.typical_radius(space.c, space.cutoff))

    def run(part: slice) -> Best:
        return ascend(
            lambda z: f(space.deformed(images[part], z)),
            clean_outputs[part],
            starts[:, part],
            radius[part],
            ascent,
        )

    return _chunked(run, len(images), chunk)


def worst_noise(
    f: Forward,
    clean: torch.Tensor,
    clean_outputs: torch.Tensor,
    radius: torch.Tensor,
    ascent: Ascent,
    generator: torch.Generator,
    chunk: int | None,
    warm: torch.Tensor | None = None,
) -> Best:
    """The noise eta_i with ||eta_i|| = radius_i (B,) that changes f(clean + eta) most, for
    images `clean` (B, C, n, n) with outputs (B, K); `chunk` as in `adversarial_diffeos`.
    `warm` (B, C, n, n), when given, is one more candidate, evaluated without steps (a start
    there climbs slowly: near a stationary direction of the sphere, its gradient is radial)."""
    starts = random_starts(clean.shape, ascent.restarts, generator, clean)

    def run(part: slice) -> Best:
        def objective(eta: torch.Tensor) -> torch.Tensor:
            return f(clean[part] + eta)

        found = ascend(objective, clean_outputs[part], starts[:, part], radius[part], ascent)
        if warm is None:
            return found
        candidate = ascend(
            objective, clean_outputs[part], warm[None, part], radius[part], Ascent(0, 1, 0.0)
        )
        return _keep_best(found, candidate.params, candidate.values, candidate.outputs)

    return _chunked(run, len(clean), chunk)


@dataclass(frozen=True)
class AdversarialOutputs:
    """What the probe's statistics need: f(tau_adv x) and f(x + eta_adv) (B, K), and the
    per-image distance ||tau_adv x - x|| (B,) that the noise was given."""

    diffeo: torch.Tensor
    noise: torch.Tensor
    distance: torch.Tensor


def attack_point(
    f: Forward,
    images: torch.Tensor,
    clean: torch.Tensor,
    clean_outputs: torch.Tensor,
    space: DiffeoSpace,
    ascent: Ascent,
    generator: torch.Generator,
    chunk: int | None,
) -> AdversarialOutputs:
    """Adversarial diffeos of `images` (B, C, n, n), compared with the clean (possibly
    smoothed) images' outputs, then worst-case noise of each one's pixel norm. The noise
    search also weighs each diffeo's own pixel change tau_adv x - x (a noise of that norm),
    so it ends at least as high as the diffeo search."""
    found = adversarial_diffeos(f, images, clean_outputs, space, ascent, generator, chunk)
    deformed = space.deformed(images, found.params)
    distance = (deformed - clean).flatten(1).norm(dim=1)
    noise = worst_noise(
        f, clean, clean_outputs, distance, ascent, generator, chunk, warm=deformed - clean
    )
    return AdversarialOutputs(found.outputs, noise.outputs, distance)
