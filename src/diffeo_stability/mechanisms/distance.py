"""Item 1 of the slides: stability against the distance from the data.

On the first test images x (B, C, n, n) in [0, 1] (smoothed as the probe smooths them for the
Gaussian interpolation), with z_i = x_pi(i) another test image (pi a random cyclic pairing, no
image paired with itself), the changes of f relative to the pair norm <||f(x) - f(z)||^2> of
the probe (same statistic, all pairs):

- ``noise``: G_f(r), x + eta with eta isotropic, ||eta|| = r for every image;
- ``towards``: G'_f(r), x + r (z - x) / ||z - x|| (noise pointing at another image);
- ``segment``: Lambda_f(lambda), the point (1 - lambda) x + lambda z of the segment x -> z
  (the slides' formula writes - lambda z; the segment is meant), abscissa lambda;
- ``diffeo``: D_f(delta), tau x with one diffeo per image at cut-off c and displacement delta,
  abscissa r = the mean of ||tau x - x|| over the images.

For each point: r (mean ||x' - x||), both statistics of the raw change and its normalised
value, and the fraction of images whose predicted class (argmax of f) differs from that of the
clean image. Draws come from one generator per (seed, state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.mechanisms.nets import Convention, Net, forward_groups, seeded_generator
from diffeo_stability.mechanisms.settings import DistanceSettings
from diffeo_stability.probe.statistics import STATISTICS, change, pair_norm

KINDS = ("noise", "towards", "segment", "diffeo")


def partners(count: int, generator: torch.Generator) -> torch.Tensor:
    """Index z(i) of a random cyclic pairing of `count` >= 2 images: z(i) != i for every i."""
    order = torch.randperm(count, generator=generator, device=generator.device)
    partner = torch.empty_like(order)
    partner[order] = order.roll(-1)
    return partner


def noise_grid(settings: DistanceSettings) -> np.ndarray:
    """The noise norms r (pixel units), log-spaced over the settings' range."""
    return np.geomspace(*settings.noise_range, settings.noise_points)


def perturbed_groups(
    images: torch.Tensor,
    clean: torch.Tensor,
    settings: DistanceSettings,
    convention: Convention,
    generator: torch.Generator,
) -> list[tuple[str, float, torch.Tensor]]:
    """(kind, abscissa, perturbed images) of every point: r for noise and towards, lambda for
    the segment, delta for diffeos."""
    z = clean[partners(len(clean), generator)]
    towards = (z - clean) / (z - clean).flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, 1, 1, 1)
    groups = []
    for r in noise_grid(settings):
        direction = torch.randn(clean.shape, generator=generator, device=clean.device)
        direction /= direction.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        groups.append(("noise", float(r), clean + float(r) * direction))
        groups.append(("towards", float(r), clean + float(r) * towards))
    groups += [("segment", lam, clean + lam * (z - clean)) for lam in settings.lambdas]
    n = images.shape[-1]
    for delta in settings.deltas:
        T = diffeo.temperature_from_delta(delta, n, convention.c)
        field = diffeo.sample_displacement(
            len(images), n, T, convention.c, cutoff=convention.cutoff_rule, generator=generator
        )
        groups.append(("diffeo", delta, diffeo.deform(images, field, convention.interpolation)))
    return groups


def measure_distance(
    net: Net,
    images: torch.Tensor,
    settings: DistanceSettings,
    convention: Convention,
    seed: int,
) -> pd.DataFrame:
    """Rows (state, kind, abscissa, r, statistic, change, value, misclassified)."""
    images = images[: settings.n_images]
    generator = seeded_generator(seed, net.state, "distance", device=images.device)
    clean = diffeo.smooth(images, convention.interpolation)
    groups = perturbed_groups(images, clean, settings, convention, generator)
    outputs = forward_groups(net, [clean, *(group for _, _, group in groups)])
    reference, perturbed = outputs[0], outputs[1:]
    norms = {stat: pair_norm(reference, stat) for stat in STATISTICS}
    predicted = reference.argmax(1)
    rows = []
    for (kind, abscissa, group), out in zip(groups, perturbed, strict=True):
        r = float((group - clean).flatten(1).norm(dim=1).mean())
        flipped = float((out.argmax(1) != predicted).double().mean())
        for stat in STATISTICS:
            raw = change(reference, out, stat)
            rows.append(
                {
                    "state": net.state,
                    "kind": kind,
                    "abscissa": abscissa,
                    "r": r,
                    "statistic": stat,
                    "change": raw,
                    "value": raw / norms[stat] if norms[stat] > 0 else np.nan,
                    "misclassified": flipped,
                    "c": convention.c,
                    "n_images": len(images),
                }
            )
    return pd.DataFrame(rows)
