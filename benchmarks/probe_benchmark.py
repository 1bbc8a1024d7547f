"""Benchmark of the probing step (issue 5 item 7): one ResNet18, CIFAR-sized images.

Full setting: 500 images, c in {3, 5, 15}, bilinear and gaussian, delta = 1 plus a 30-point
delta sweep, per-layer rows at delta = 1; the network in evaluation mode (the trained state).
Random weights and uniform random images unless --checkpoint / --data are given.

    python benchmarks/probe_benchmark.py --out bench.json [--quick] [--device auto]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch

from diffeo_stability.data import load_dataset
from diffeo_stability.device import pick_device, strict_fp32
from diffeo_stability.io import write_json
from diffeo_stability.models import build_model, layer_modules, load_checkpoint
from diffeo_stability.probe import ProbeSettings, probe_function, temperature_points
from diffeo_stability.probe_run import probe_images


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output JSON")
    parser.add_argument("--checkpoint", help="a ResNet18 checkpoint (default: random weights)")
    parser.add_argument("--data", help="dataset .npz (default: random 3x32x32 images)")
    parser.add_argument("--quick", action="store_true",
                        help="CPU check: 50 images, c = 3 only, 3 sweep points")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--max-batch", type=int, default=2048)
    parser.add_argument("--batch-stats", action="store_true", help="probe as an initial net")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    device = pick_device(args.device)
    strict_fp32()
    torch.manual_seed(0)
    n_probe = 50 if args.quick else 500
    if args.checkpoint:
        model, _ = load_checkpoint(args.checkpoint, device)
    else:
        model = build_model("ResNet18", 3, 32, 10, None).to(device).eval()
    if args.data:
        images = probe_images(load_dataset(args.data).x_test, n_probe, device)
    else:
        images = torch.rand(n_probe, 3, 32, 32, generator=torch.Generator().manual_seed(0))
        images = images.to(device)
    settings = ProbeSettings(
        cutoffs=(3.0,) if args.quick else (3.0, 5.0, 15.0), sweep_points=3 if args.quick else 30,
        per_layer=True, max_batch=args.max_batch,
    )
    blocks = layer_modules(model)
    probe_function(model, images[:4], ProbeSettings(cutoffs=(3.0,), sweep_points=0), seed=0,
                   blocks=blocks)  # warm-up: kernels, caches
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    rows = probe_function(model, images, settings, seed=0, blocks=blocks,
                          batch_stats=args.batch_stats)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    points = sum(len(temperature_points(32, c, settings)) for c in settings.cutoffs)
    forwarded = len(settings.interpolations) * n_probe * (1 + 3 * points)
    result = {
        "seconds": seconds, "images_forwarded": forwarded, "images_per_s": forwarded / seconds,
        "rows": len(rows), "n_probe": n_probe, "cutoffs": list(settings.cutoffs),
        "interpolations": list(settings.interpolations), "sweep_points": settings.sweep_points,
        "per_layer": True, "quick": args.quick, "checkpoint": args.checkpoint,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "cpu_threads": torch.get_num_threads(), "torch": torch.__version__,
        "python": platform.python_version(),
    }
    write_json(args.out, result)
    print(json.dumps(result, indent=2))
    print(f"probing took {seconds:.2f} s ({forwarded / seconds:.0f} images/s)")


if __name__ == "__main__":
    main()
