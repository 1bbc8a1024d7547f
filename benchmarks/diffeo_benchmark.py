"""Benchmark: N independent deformations of 3 x n x n images, each figure next to an anchor.

Anchors: a per-image loop in the authors' style (one field per call as a sum of sine modes,
then bilinear interpolation or a dense Gaussian with n^2 x n^2 weights; timed on
`--loop-images` images and scaled to N), torchvision's ElasticTransform applied per image,
and torch's grid_sample on the same fields. "Whole draw" timings include sampling; CUDA
timings are synchronised; each figure is a median of repeats. Prints a table, JSON to --out.

    OMP_NUM_THREADS=1 python benchmarks/diffeo_benchmark.py --device cpu --out diffeo.json
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable

import torch
from torch.nn import functional as F
from torchvision.transforms.v2 import ElasticTransform

from diffeo_stability.device import pick_device, strict_fp32
from diffeo_stability.diffeo import fields as diffeo
from diffeo_stability.diffeo.interpolation import GAUSSIAN_SIGMA


def loop_field(n: int, T: float, c: float, device: torch.device) -> torch.Tensor:
    """One displacement field in pixels, (2, n, n), written out plainly."""
    m = int(c)
    k = torch.arange(1, m + 1, device=device, dtype=torch.float32)
    r2 = k[:, None] ** 2 + k[None, :] ** 2
    std = (r2 <= c**2) * (T / r2).sqrt()
    s = torch.sin(math.pi * k[:, None] * torch.linspace(0, 1, n, device=device)[None, :])
    coeffs = torch.randn(2, m, m, device=device) * std
    return n * torch.einsum("kij,ix,jy->kyx", coeffs, s, s)


def loop_deform(image: torch.Tensor, field: torch.Tensor, interpolation: str) -> torch.Tensor:
    """One image (C, n, n) resampled at s - field, bilinear or dense Gaussian."""
    n = image.shape[-1]
    pos = torch.arange(n, device=image.device, dtype=image.dtype)
    xs = (pos - field[0]).clamp(0, n - 1)
    ys = (pos[:, None] - field[1]).clamp(0, n - 1)
    if interpolation == "bilinear":
        x0, y0 = xs.floor().long(), ys.floor().long()
        x1, y1 = (x0 + 1).clamp(max=n - 1), (y0 + 1).clamp(max=n - 1)
        fx, fy = xs - x0, ys - y0
        return (1 - fy) * ((1 - fx) * image[:, y0, x0] + fx * image[:, y0, x1]) + fy * (
            (1 - fx) * image[:, y1, x0] + fx * image[:, y1, x1]
        )
    qy, qx = torch.meshgrid(pos, pos, indexing="ij")
    d2 = (qx.reshape(1, -1) - xs.reshape(-1, 1)) ** 2 + (qy.reshape(1, -1) - ys.reshape(-1, 1)) ** 2
    w = torch.exp(-d2 / (2 * GAUSSIAN_SIGMA**2))
    w = w / w.sum(1, keepdim=True)
    return (image.flatten(1) @ w.T).reshape(image.shape)


def timed(fns: list[Callable[[], object]], device: torch.device, repeats: int) -> list[float]:
    """Median wall time of each fn() in seconds, after one warm-up call each; the functions
    run in turn within every repeat, so drifts of the machine's speed hit them alike."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, fn_times in zip(fns, times, strict=True):
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            fn()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            fn_times.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def grid_sample_bilinear(images: torch.Tensor, disp: torch.Tensor) -> torch.Tensor:
    """torch's grid_sample at the clamped positions s - disp (the anchor for bilinear)."""
    n = images.shape[-1]
    pos = torch.arange(n, device=images.device, dtype=images.dtype)
    xs = (pos - disp[:, 0]).clamp(0, n - 1) * (2 / (n - 1)) - 1
    ys = (pos[:, None] - disp[:, 1]).clamp(0, n - 1) * (2 / (n - 1)) - 1
    return F.grid_sample(images, torch.stack([xs, ys], -1), align_corners=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--c", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--loop-images",
        type=int,
        default=50,
        help="images timed in the per-image loops (scaled to --images)",
    )
    parser.add_argument("--loop-repeats", type=int, default=3)
    parser.add_argument("--out", default=None, help="JSON file for the results")
    args = parser.parse_args()
    device = pick_device(args.device)
    strict_fp32()
    images = torch.rand(args.images, 3, args.size, args.size, device=device)
    T = diffeo.temperature_from_delta(1.0, args.size, args.c)
    fields = diffeo.sample_displacement(args.images, args.size, T, args.c, device=device)
    few = images[: args.loop_images]
    scale = args.images / len(few)
    elastic = ElasticTransform(alpha=50.0, sigma=5.0)

    def draw(interp: str) -> Callable[[], torch.Tensor]:
        return lambda: diffeo.deform(
            images,
            diffeo.sample_displacement(args.images, args.size, T, args.c, device=device),
            interp,
        )

    def loop(interp: str) -> Callable[[], list[torch.Tensor]]:
        return lambda: [
            loop_deform(x, loop_field(args.size, T, args.c, device), interp) for x in few
        ]

    def ms(fn: Callable[[], object], repeats: int, factor: float = 1.0) -> float:
        return 1e3 * factor * timed([fn], device, repeats)[0]

    resample_ms = [  # ours and grid_sample side by side: the ratio is the figure
        1e3 * t
        for t in timed(
            [lambda: diffeo.deform(images, fields), lambda: grid_sample_bilinear(images, fields)],
            device,
            args.repeats,
        )
    ]

    draw_ms = {interp: ms(draw(interp), args.repeats) for interp in ("bilinear", "gaussian")}
    rows = [
        (
            "whole draw, bilinear",
            draw_ms["bilinear"],
            "per-image loop (authors' style)",
            ms(loop("bilinear"), args.loop_repeats, scale),
        ),
        (
            "whole draw, gaussian",
            draw_ms["gaussian"],
            "per-image loop, dense Gaussian",
            ms(loop("gaussian"), args.loop_repeats, scale),
        ),
        (
            "whole draw, bilinear",
            draw_ms["bilinear"],
            "torchvision ElasticTransform per image",
            ms(lambda: [elastic(x) for x in few], args.loop_repeats, scale),
        ),
        (
            "resampling only, bilinear",
            resample_ms[0],
            "grid_sample on the same fields",
            resample_ms[1],
        ),
        (
            "resampling only, gaussian",
            ms(lambda: diffeo.deform(images, fields, "gaussian"), args.repeats),
            "",
            math.nan,
        ),
    ]
    header = (
        f"{args.images} deformations of 3x{args.size}x{args.size}, c = {args.c:g}, "
        f"delta = 1, device {device} ({torch.get_num_threads()} threads), median of "
        f"{args.repeats} (loops: {args.loop_repeats} on {len(few)} images, scaled)"
    )
    print(header)
    print(f"{'figure':<28}{'ours (ms)':>10}  {'anchor':<40}{'anchor (ms)':>12}{'anchor/ours':>12}")
    results = []
    for figure, ours, anchor, anchor_ms in rows:
        results.append(
            {
                "figure": figure,
                "ours_ms": ours,
                "anchor": anchor,
                "anchor_ms": anchor_ms,
                "ratio": anchor_ms / ours,
            }
        )
        print(f"{figure:<28}{ours:>10.1f}  {anchor:<40}{anchor_ms:>12.1f}{anchor_ms / ours:>12.2f}")
    if args.out:
        result = {
            "setup": header,
            "device": str(device),
            "torch": torch.__version__,
            "images": args.images,
            "size": args.size,
            "c": args.c,
            "results": results,
        }
        if device.type == "cuda":
            result["gpu"] = torch.cuda.get_device_name(device)
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
