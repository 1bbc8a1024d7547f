"""Seconds per probe job (one training run: init and trained states) per architecture and input.

The default probe job (config `probe:`): 500 images, c in {3, 5, 15}, bilinear and gaussian,
per-layer rows at delta = 1 and a 30-point output-only delta sweep, for the initial network
(batch-norm on batch statistics) and the trained one. On a CPU the whole job takes minutes per
network, so by default each (state, interpolation) is timed on c = 3 with 0 and `--sweep`
sweep points (median of `--repeats`), and the job is extrapolated linearly in the number of
points: job = sum over states and interpolations of n_c * (t_0 + 30 / sweep * (t_sweep - t_0)).
`--full` times the whole job instead. Random weights and uniform random images.

    OMP_NUM_THREADS=1 python benchmarks/probe_benchmark.py --csv docs/results/probe_cost.csv
    OMP_NUM_THREADS=1 python benchmarks/probe_benchmark.py --archs ResNet18:0.25 --max-batch 2048

Runs against any version of the package whose `ProbeSettings` has `max_batch` and `layers`
(before the settings dataclasses: `per_layer`), so the same script measures the code before and
after a change (point PYTHONPATH at the other source tree).
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import time
from collections.abc import Callable

import torch

from diffeo_stability.device import strict_fp32
from diffeo_stability.models import build_model, layer_modules
from diffeo_stability.probe.measure import ProbeSettings, probe_function

try:  # older checkouts (measured for before/after ratios) have no inference preparation
    from diffeo_stability.models.fold import prepare_inference
except ImportError:
    prepare_inference = None
try:  # nor the allocator setting of the probe commands
    from diffeo_stability.device import retain_freed_memory
except ImportError:
    retain_freed_memory = None

#: default probe settings of the workflow (config/config.yaml `probe:`)
N_PROBE, CUTOFFS, SWEEP_POINTS = 500, (3.0, 5.0, 15.0), 30
INTERPOLATIONS = ("bilinear", "gaussian")
DEFAULT_ARCHS = (
    "ResNet18:0.25",
    "ResNet18:0.5",
    "EfficientNetB0:0.25",
    "LeNet",
    "FullConnL4",
    "VGG11:0.25",
)
SHAPES = ((1, 28), (3, 32))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--archs", nargs="+", default=list(DEFAULT_ARCHS), help="ARCH or ARCH:WIDTH_FACTOR"
    )
    parser.add_argument(
        "--shapes",
        nargs="+",
        default=[f"{c}x{n}" for c, n in SHAPES],
        help="CxN input shapes, e.g. 1x28 3x32",
    )
    parser.add_argument(
        "--max-batch",
        type=int,
        default=None,
        help="images per forward (default: the package's default)",
    )
    parser.add_argument("--sweep", type=int, default=3, help="sweep points of the timed runs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="time the whole job (slow)")
    parser.add_argument("--csv", help="write the table as CSV")
    return parser.parse_args()


def build(arch: str, channels: int, size: int, state: str) -> torch.nn.Module:
    """Random-weight network ARCH[:WIDTH_FACTOR] for (channels, size, size) inputs, prepared
    for `state` as the probe job does (trained: prepared for inference, where the package can)."""
    name, _, width = arch.partition(":")
    kwargs = {"width_factor": float(width)} if width else {}
    torch.manual_seed(0)
    model = build_model(name, channels, size, 10, None, **kwargs)
    if state == "trained" and prepare_inference is not None:
        prepare_inference(model)
    return model


def timed_probe(
    model: torch.nn.Module,
    images: torch.Tensor,
    settings: ProbeSettings,
    state: str,
    repeats: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median seconds of `clock` (wall time by default) over `repeats` `probe_function` calls
    (after a small warm-up call)."""
    blocks = layer_modules(model)
    times = []
    for k in range(repeats + 1):
        start = clock()
        probe_function(
            model,
            images if k else images[:8],
            settings,
            seed=0,
            state=state,
            blocks=blocks,
            batch_stats=state == "init",
        )
        times.append(clock() - start)
    return statistics.median(times[1:])


def job_seconds(arch: str, images: torch.Tensor, args: argparse.Namespace) -> float:
    """Seconds of the default probe job of `arch` (measured or extrapolated, see the module)."""
    extra = {} if args.max_batch is None else {"max_batch": args.max_batch}
    total = 0.0
    for state in ("init", "trained"):
        model = build(arch, *images.shape[1:3], state)
        if args.full:
            settings = ProbeSettings(
                cutoffs=CUTOFFS,
                interpolations=INTERPOLATIONS,
                sweep_points=SWEEP_POINTS,
                layers=True,
                **extra,
            )
            total += timed_probe(model, images, settings, state, 0 if args.repeats < 2 else 1)
            continue
        for interpolation in INTERPOLATIONS:
            t = [
                timed_probe(
                    model,
                    images,
                    ProbeSettings(
                        cutoffs=CUTOFFS[:1],
                        interpolations=(interpolation,),
                        sweep_points=sweep,
                        layers=True,
                        **extra,
                    ),
                    state,
                    args.repeats,
                )
                for sweep in (0, args.sweep)
            ]
            total += len(CUTOFFS) * (t[0] + SWEEP_POINTS / args.sweep * (t[1] - t[0]))
    return total


def main() -> None:
    args = parse_args()
    strict_fp32()
    torch.set_grad_enabled(False)
    if retain_freed_memory is not None:  # as the probe commands do
        retain_freed_memory()
    rows = []
    print(
        f"default probe job (n_probe={N_PROBE}, c={CUTOFFS}, {'+'.join(INTERPOLATIONS)}, "
        f"{SWEEP_POINTS} sweep points, per layer, init + trained), "
        f"{torch.get_num_threads()} thread(s), max_batch={args.max_batch or 'default'}, "
        f"{'measured' if args.full else 'extrapolated from c=3, sweep 0 and ' + str(args.sweep)}"
    )
    print(f"{'arch':<22}{'input':>8}{'s / job':>10}{'img / s':>10}")
    for shape in args.shapes:
        channels, size = (int(v) for v in shape.split("x"))
        images = torch.rand(
            N_PROBE, channels, size, size, generator=torch.Generator().manual_seed(0)
        )
        for arch in args.archs:
            seconds = job_seconds(arch, images, args)
            points = len(CUTOFFS) * (1 + SWEEP_POINTS)
            groups = 1 + len(getattr(ProbeSettings(), "noise_norms", ("per_image", "mean")))
            forwards = 2 * len(INTERPOLATIONS) * N_PROBE * (1 + groups * points)
            rows.append(
                {
                    "arch": arch,
                    "input": shape,
                    "seconds_per_job": round(seconds, 2),
                    "images_per_s": round(forwards / seconds),
                    "threads": torch.get_num_threads(),
                    "extrapolated": not args.full,
                }
            )
            print(f"{arch:<22}{shape:>8}{seconds:>10.1f}{forwards / seconds:>10.0f}", flush=True)
            if args.csv:  # rewritten after every network: a long run keeps what it measured
                with open(args.csv, "w", newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                    writer.writeheader()
                    writer.writerows(rows)
    print(f"torch {torch.__version__}, python {platform.python_version()}")


if __name__ == "__main__":
    main()
