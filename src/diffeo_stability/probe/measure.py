"""Relative stability toward diffeomorphisms, R_f = D_f / G_f (paper Section 3, Eq. 4-5).

`probe_function` is the measurement on any callable f and an image batch x (B, C, n, n),
float32 in [0, 1]. For every interpolation, cut-off c and temperature T it draws one diffeo
tau_i and one isotropic noise direction per image, rescales the noise to ||tau x_i - x_i||
(``noise_norm="per_image"``, the authors' code) or to the mean of that norm over the batch
(``"mean"``, the paper's text), and compares f(x), f(tau x) and f(x + eta) with the
statistics of `diffeo_stability.probe.statistics`. For the Gaussian interpolation the clean
images are smoothed by the same resampling at zero displacement. Optionally the same quantities are
measured at the output of every block of the network (forward hooks; layer 0 is the input), and
(`ProbeSettings.adversarial`) those of adversarial diffeos and worst-case noise at the output
(`with_adversarial`, the search in `probe.adversarial`).

Draws come from one `torch.Generator` per (seed, state, interpolation, c, T point), so rows are
deterministic given the seed and independent of the order of the loops.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.errors import ConfigError
from diffeo_stability.probe.adversarial import Ascent, DiffeoSpace, attack_point
from diffeo_stability.probe.settings import NOISE_NORMS, ProbeSettings
from diffeo_stability.probe.statistics import STATISTICS, change, mean_square_norm, pair_norm
from diffeo_stability.tables.columns import MEASUREMENT_COLUMNS

#: squared output changes below RESOLUTION_RTOL^2 times the outputs' mean squared norm are not
#: resolved in float32 (rounding is ~1e-7 of the norm): D, G and R undefined (see `unresolved`)
RESOLUTION_RTOL = 1e-5
Blocks = Sequence[tuple[str, nn.Module]]


def forward_batch(device: torch.device) -> int:
    """Images per probe forward pass on `device`: 128 on a CPU (per image, batches of 256 run
    about 1.2x and of 512 about 2x slower for ResNet18-1/4 there), 2,048 on an accelerator."""
    return 128 if device.type == "cpu" else 2048


def temperature_points(n: int, c: float, settings: ProbeSettings) -> list[tuple[str, float]]:
    """(point name, T) for image side n and cut-off c: the delta points, then the sweep."""
    points = [(f"delta{d:g}", diffeo.temperature_from_delta(d, n, c)) for d in settings.deltas]
    if settings.sweep_points:
        t_min, t_max = diffeo.temperature_range(n, c)
        low, high = settings.sweep_range
        sweep = np.geomspace(t_min * low, t_max * high, settings.sweep_points)
        points += [("sweep", float(t)) for t in sweep]
    return points


def draw_seed(seed: int, state: str, interpolation: str, c: float, index: int) -> int:
    """A 63-bit generator seed from the identity of one measurement point."""
    key = f"{seed}|{state}|{interpolation}|{float(c)!r}|{index}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "little") >> 1


@contextlib.contextmanager
def probing_mode(model: nn.Module, batch_stats: bool) -> Iterator[None]:
    """Evaluation mode (no dropout); with `batch_stats` batch-norm instead normalises with the
    statistics of each forward batch, its running statistics untouched. Restores on exit."""
    modes = {module: module.training for module in model.modules()}
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    tracking = [m.track_running_stats for m in norms]
    model.eval()
    for module in norms if batch_stats else []:
        module.train()
        module.track_running_stats = False
    try:
        yield
    finally:
        for module, track in zip(norms, tracking, strict=True):
            module.track_running_stats = track
        for module, mode in modes.items():
            module.training = mode


class LayerOutputs:
    """Calls f on image groups and returns, per group, the flattened (B, K) outputs of every
    probed layer: the input, the hooked blocks (all but the last) and f's own output. Images
    enter f channels-last (the faster layout for convolutions on CPUs and GPUs; same values)."""

    def __init__(
        self,
        f: Callable[[torch.Tensor], torch.Tensor],
        taps: Sequence[nn.Module],
        max_batch: int,
        separate: bool,
    ) -> None:
        self.f, self.taps, self.max_batch, self.separate = f, list(taps), max_batch, separate

    def _forward(self, images: torch.Tensor, per_layer: bool) -> list[torch.Tensor]:
        captured: list[torch.Tensor] = []
        handles = [
            tap.register_forward_hook(lambda _m, _i, out: captured.append(out.flatten(1)))
            for tap in (self.taps if per_layer else [])
        ]
        try:
            output = self.f(images.contiguous(memory_format=torch.channels_last)).flatten(1)
        finally:
            for handle in handles:
                handle.remove()
        return [images.flatten(1), *captured, output] if per_layer else [output]

    def output(self, images: torch.Tensor) -> torch.Tensor:
        """f's flattened output (B, K) of one forward batch of images (B, C, n, n)."""
        return self._forward(images, False)[0]

    def __call__(self, groups: Sequence[torch.Tensor], per_layer: bool) -> list[list[torch.Tensor]]:
        """Groups of images (B_g, C, n, n) -> per group, per layer, (B_g, K_layer) outputs.
        With `separate` (batch statistics) each group is its own forward batch."""
        if self.separate:
            return [self._forward(group, per_layer) for group in groups]
        sizes = [len(group) for group in groups]
        chunks = [
            self._forward(chunk, per_layer)
            for chunk in torch.cat(list(groups)).split(self.max_batch)
        ]
        layers = [torch.cat(parts) for parts in zip(*chunks, strict=True)]
        split = [layer.split(sizes) for layer in layers]
        return [list(parts) for parts in zip(*split, strict=True)]


def _layer_names(blocks: Blocks | None, per_layer: bool) -> list[tuple[int, str]]:
    """(layer index, name) of the probed layers; the output keeps its index without per-layer."""
    if not blocks:
        return [(0, "input"), (1, "output")] if per_layer else [(1, "output")]
    names = [(i + 1, name) for i, (name, _) in enumerate(blocks)]
    return [(0, "input"), *names] if per_layer else names[-1:]


def _ratio(a: float, b: float) -> float:
    """a / b; NaN (undefined) when b == 0 or either value or the ratio is not finite."""
    ratio = a / b if b and math.isfinite(a) and math.isfinite(b) else math.nan
    return ratio if math.isfinite(ratio) else math.nan


def unresolved(squared_change: float, square_norm: float) -> bool:
    """Whether a statistic of squared output changes (a pair norm, D_raw or G_raw) is at most
    RESOLUTION_RTOL^2 times the outputs' mean squared norm: changes of float rounding size only
    (a collapsed network, or the median over images of a nearly dead one). D, G and R built
    on it are rounding noise, reported as NaN."""
    return not (math.isfinite(squared_change) and squared_change > RESOLUTION_RTOL**2 * square_norm)


@dataclass(frozen=True)
class Perturbation:
    """One measurement point: images (B, C, n, n) tau x, x + eta for each noise norm, and
    ||tau x - x|| (B,)."""

    deformed: torch.Tensor
    noisy: dict[str, torch.Tensor]
    distance: torch.Tensor


def perturb(
    images: torch.Tensor,
    clean: torch.Tensor,
    interpolation: str,
    c: float,
    T: float,
    cutoff_rule: str,
    generator: torch.Generator,
    noise_norms: Sequence[str] = NOISE_NORMS[:1],
) -> Perturbation:
    """One diffeo per image (tau x from the raw images) and one isotropic noise direction per
    image added to the clean (possibly smoothed) images, rescaled for each of `noise_norms`."""
    n = images.shape[-1]
    displacement = diffeo.sample_displacement(
        len(images),
        n,
        T,
        c,
        cutoff=cutoff_rule,
        generator=generator,
        device=images.device,
        dtype=images.dtype,
    )
    deformed = diffeo.deform(images, displacement, interpolation)
    distance = (deformed - clean).flatten(1).norm(dim=1)
    direction = torch.randn(
        images.shape, generator=generator, device=images.device, dtype=images.dtype
    )
    direction = direction / direction.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    scales = {"per_image": distance, "mean": distance.mean().expand_as(distance)}
    noisy = {name: clean + direction * scales[name].view(-1, 1, 1, 1) for name in noise_norms}
    return Perturbation(deformed, noisy, distance)


def _point_rows(
    clean: Sequence[torch.Tensor],
    norms: Sequence[dict[str, float]],
    square_norms: Sequence[float],
    diffeo_out: Sequence[torch.Tensor],
    noise_out: dict[str, Sequence[torch.Tensor]],
    layers: Sequence[tuple[int, str]],
    noise_values: dict[str, float],
) -> list[dict]:
    """Rows of one point: per layer, statistic and noise norm; lists indexed like `layers`."""
    rows = []
    for k, (layer, name) in enumerate(layers):
        for stat in STATISTICS:
            d_raw = change(clean[k], diffeo_out[k], stat)
            norm = norms[k][stat]
            for noise_name in noise_out:
                g_raw = change(clean[k], noise_out[noise_name][k], stat)
                undefined = any(unresolved(v, square_norms[k]) for v in (norm, d_raw, g_raw))
                rows.append(
                    {
                        "layer": layer,
                        "layer_name": name,
                        "is_output": k == len(layers) - 1,
                        "statistic": stat,
                        "noise_norm": noise_name,
                        "D": math.nan if undefined else _ratio(d_raw, norm),
                        "G": math.nan if undefined else _ratio(g_raw, norm),
                        "R": math.nan if undefined else _ratio(d_raw, g_raw),
                        "D_raw": d_raw,
                        "G_raw": g_raw,
                        "pair_norm": norm,
                        "noise_norm_value": noise_values[noise_name],
                    }
                )
    return rows


@dataclass(frozen=True)
class Reference:
    """The clean side of one interpolation: the (smoothed) images (B, C, n, n), their outputs
    per probed layer (B, K), and per layer the pair norms (per statistic) and mean squared
    norm that the changes are compared with."""

    images: torch.Tensor
    outputs: list[torch.Tensor]
    norms: list[dict[str, float]]
    square_norms: list[float]

    @classmethod
    def measure(
        cls, images: torch.Tensor, interpolation: str, forward: LayerOutputs, layers: bool
    ) -> Reference:
        clean = diffeo.smooth(images, interpolation)
        outputs = forward([clean], layers)[0]
        norms = [{stat: pair_norm(out, stat) for stat in STATISTICS} for out in outputs]
        return cls(clean, outputs, norms, [mean_square_norm(out) for out in outputs])


def measure_point(
    images: torch.Tensor,
    reference: Reference,
    forward: LayerOutputs,
    layers: Sequence[tuple[int, str]],
    settings: ProbeSettings,
    generator: torch.Generator,
    **point: object,
) -> list[dict]:
    """Rows of one point (`point`: state, interpolation, c, T, point name): one diffeo and one
    noise draw per image from `generator`, compared with `reference` at `layers` (the last
    ones of the reference's layers: all of them for per-block rows, else the output)."""
    interpolation, c, T = point["interpolation"], point["c"], point["T"]
    n = images.shape[-1]
    keep = slice(-len(layers), None)
    pert = perturb(
        images,
        reference.images,
        interpolation,
        c,
        T,
        settings.cutoff_rule,
        generator,
        settings.noise_norms,
    )
    diffeo_out, *noise_out = forward([pert.deformed, *pert.noisy.values()], len(layers) > 1)
    common = {
        **point,
        "cutoff_rule": settings.cutoff_rule,
        "delta": diffeo.delta_from_temperature(T, n, c),
        "diffeo_norm": float(pert.distance.mean()),
        "n_probe": len(images),
    }
    values = {
        name: float((pert.noisy[name] - reference.images).flatten(1).norm(dim=1).mean())
        for name in pert.noisy
    }
    rows = _point_rows(
        reference.outputs[keep],
        reference.norms[keep],
        reference.square_norms[keep],
        diffeo_out,
        dict(zip(pert.noisy, noise_out, strict=True)),
        layers,
        values,
    )
    return [{**common, **row} for row in rows]


def with_adversarial(
    rows: list[dict],
    images: torch.Tensor,
    reference: Reference,
    forward: LayerOutputs,
    settings: ProbeSettings,
    space: DiffeoSpace,
    generator: torch.Generator,
) -> list[dict]:
    """`rows` of one point with the adversarial columns (`tables.columns.ADVERSARIAL_COLUMNS`)
    on its output-layer rows: the statistics of f(tau_adv x) and of f(x + eta_adv) (noise of
    the pixel norm ||tau_adv x_i - x_i|| of each image), normalised like D and G."""
    ascent = Ascent(
        settings.adversarial_steps, settings.adversarial_restarts, settings.adversarial_step_size
    )
    chunk = None if forward.separate else forward.max_batch
    clean = reference.outputs[-1]
    found = attack_point(
        forward.output, images, reference.images, clean, space, ascent, generator, chunk
    )
    columns = {}
    for stat in STATISTICS:
        norm = reference.norms[-1][stat]
        d_raw, g_raw = change(clean, found.diffeo, stat), change(clean, found.noise, stat)
        undefined = any(unresolved(v, reference.square_norms[-1]) for v in (norm, d_raw, g_raw))
        columns[stat] = {
            "D_adv": math.nan if undefined else _ratio(d_raw, norm),
            "G_adv": math.nan if undefined else _ratio(g_raw, norm),
            "R_adv": math.nan if undefined else _ratio(d_raw, g_raw),
            "adv_diffeo_norm": float(found.distance.mean()),
        }
    return [
        {
            **row,
            **columns[row["statistic"]],
            "R_adv_G": _ratio(columns[row["statistic"]]["D_adv"], row["G"]),
        }
        if row["is_output"]
        else row
        for row in rows
    ]


def probe_function(
    f: Callable[[torch.Tensor], torch.Tensor],
    images: torch.Tensor,
    settings: ProbeSettings,
    *,
    seed: int,
    state: str = "trained",
    blocks: Blocks | None = None,
    batch_stats: bool = False,
) -> pd.DataFrame:
    """Measure D, G, R of f on `images` (B, C, n, n) float32 in [0, 1], B >= 2.

    `blocks` are the (name, module) blocks of f in order, the last giving f's output (needed
    for per-layer rows). An nn.Module f runs in evaluation mode, except that with `batch_stats`
    (initial networks) batch-norm uses batch statistics and every group of B images (clean,
    deformed, noisy) is its own forward batch; its 4-d weights are made channels-last, like
    the images it is fed (same values). Returns one row per (interpolation, c, T, layer,
    statistic, noise_norm) with `MEASUREMENT_COLUMNS` (the adversarial ones NaN where not
    measured).
    """
    if images.dim() != 4 or images.shape[-1] != images.shape[-2] or len(images) < 2:
        raise ConfigError(f"need square images (B >= 2, C, n, n), got {tuple(images.shape)}")
    taps = [module for _, module in blocks[:-1]] if blocks else []
    max_batch = settings.max_batch or forward_batch(images.device)
    forward = LayerOutputs(f, taps, max_batch, separate=batch_stats)
    all_layers = _layer_names(blocks, settings.layers)
    rows: list[dict] = []
    mode = contextlib.nullcontext()
    if isinstance(f, nn.Module):
        f.to(memory_format=torch.channels_last)  # like its inputs: same values, faster convs
        mode = probing_mode(f, batch_stats)
    with torch.no_grad(), mode:
        for interpolation in settings.interpolations:
            reference = Reference.measure(images, interpolation, forward, settings.layers)
            for c in settings.cutoffs:
                points = temperature_points(images.shape[-1], c, settings)
                for index, (point, T) in enumerate(points):
                    generator = torch.Generator(device=images.device)
                    generator.manual_seed(draw_seed(seed, state, interpolation, c, index))
                    layers = all_layers if settings.layers and point != "sweep" else all_layers[-1:]
                    point_rows = measure_point(
                        images,
                        reference,
                        forward,
                        layers,
                        settings,
                        generator,
                        state=state,
                        interpolation=interpolation,
                        c=float(c),
                        T=float(T),
                        point=point,
                    )
                    if settings.adversarial_at(interpolation, float(c), point):
                        generator.manual_seed(
                            draw_seed(seed, f"{state}|adv", interpolation, c, index)
                        )
                        space = DiffeoSpace(T, float(c), settings.cutoff_rule, interpolation)
                        point_rows = with_adversarial(
                            point_rows, images, reference, forward, settings, space, generator
                        )
                    rows += point_rows
    return pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS)).astype(MEASUREMENT_COLUMNS)
