"""Cost of the adversarial probe option against the typical probe of the same net.

Times `probe_function` on one random-weight network (both states: init on batch statistics,
trained prepared for inference) and uniform random images, once with the option off and once
on, and reports the ratio of the added seconds to the typical probe's. Seconds are the
process's CPU time (median of `--repeats`), which other jobs sharing the cores disturb far less
than wall time; run it on one thread (OMP_NUM_THREADS=1), where CPU time is the work done.
The typical probe is a run of config/cpu.yaml without overrides (500 images, c in {3, 5, 15},
bilinear, no sweep, no per-block rows, both noise norms) unless `--sweep` / `--layers` add to
it.

    OMP_NUM_THREADS=1 python benchmarks/adversarial_benchmark.py --arch ResNet18:0.125
    python benchmarks/adversarial_benchmark.py --steps 2 4 8 --restarts 1 2

`--convergence K` also reports how far the searches get: on the trained-state net and the first
100 images, the median over images of the best squared output change after each `--steps`
(first `--restarts`), as a fraction of that after K steps; the noise searches start from the
pixel changes tau_adv x - x of the K-step diffeos, on the spheres of their norms.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import platform
import time

import torch
from probe_benchmark import build, timed_probe

from diffeo_stability.device import retain_freed_memory, strict_fp32
from diffeo_stability.diffeo.fields import temperature_from_delta
from diffeo_stability.probe.adversarial import (
    Ascent,
    Best,
    DiffeoSpace,
    adversarial_diffeos,
    worst_noise,
)
from diffeo_stability.probe.settings import ProbeSettings


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="ResNet18:0.125", help="ARCH or ARCH:WIDTH_FACTOR")
    parser.add_argument("--shape", default="3x32", help="CxN input shape")
    parser.add_argument("--n-probe", type=int, default=500)
    parser.add_argument("--sweep", type=int, default=0, help="sweep points of the typical probe")
    parser.add_argument("--layers", action="store_true", help="per-block rows at delta = 1")
    defaults = ProbeSettings()
    parser.add_argument("--steps", type=int, nargs="+", default=[defaults.adversarial_steps])
    parser.add_argument("--restarts", type=int, nargs="+", default=[defaults.adversarial_restarts])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--convergence", type=int, metavar="K", help="reference steps")
    return parser.parse_args()


def convergence(
    model: torch.nn.Module, images: torch.Tensor, settings: ProbeSettings, args: argparse.Namespace
) -> None:
    """Print the median best objective after each of `args.steps`, relative to K steps."""
    images = images[:100]
    with torch.no_grad():
        clean = model(images)
    c = settings.adversarial_cutoffs[0]
    space = DiffeoSpace(
        temperature_from_delta(1.0, images.shape[-1], c), c, settings.cutoff_rule, "bilinear"
    )

    def search(steps: int, warm: torch.Tensor | None = None) -> Best:
        ascent = Ascent(steps, args.restarts[0], settings.adversarial_step_size)
        generator = torch.Generator().manual_seed(0)
        if warm is None:
            return adversarial_diffeos(model, images, clean, space, ascent, generator, 128)
        radius = warm.flatten(1).norm(dim=1)
        return worst_noise(model, images, clean, radius, ascent, generator, 128, warm)

    reference = search(args.convergence)
    warm = space.deformed(images, reference.params) - images  # as the probe starts the noise
    noise_reference = search(args.convergence, warm)
    for steps in args.steps:
        diffeo = search(steps).values.median() / reference.values.median()
        noise = search(steps, warm).values.median() / noise_reference.values.median()
        print(
            f"{steps} steps: median objective {float(diffeo):.2f} (diffeos), "
            f"{float(noise):.2f} (noise) of {args.convergence} steps'",
            flush=True,
        )


def main() -> None:
    args = parse_args()
    strict_fp32()
    retain_freed_memory()
    channels, size = (int(v) for v in args.shape.split("x"))
    images = torch.rand(
        args.n_probe, channels, size, size, generator=torch.Generator().manual_seed(0)
    )
    typical = ProbeSettings(
        n_probe=args.n_probe,
        interpolations=("bilinear",),
        sweep_points=args.sweep,
        layers=args.layers,
        noise_norms=("per_image", "mean"),
    )
    print(
        f"{args.arch} on {args.n_probe} random {args.shape} images, {torch.get_num_threads()} "
        f"thread(s); typical probe: c = {typical.cutoffs}, bilinear, sweep {args.sweep}, "
        f"layers {args.layers}; adversarial at c = {typical.adversarial_cutoffs}, step size "
        f"{typical.adversarial_step_size}"
    )
    models = {state: build(args.arch, channels, size, state) for state in ("init", "trained")}
    off = {
        s: timed_probe(m, images, typical, s, args.repeats, time.process_time)
        for s, m in models.items()
    }
    print(f"typical probe, CPU s: init {off['init']:.2f}, trained {off['trained']:.2f}")
    print(f"{'steps':>6}{'restarts':>9}{'state':>9}{'CPU s on':>10}{'added / typical':>17}")
    for steps, restarts in itertools.product(args.steps, args.restarts):
        settings = dataclasses.replace(
            typical, adversarial=True, adversarial_steps=steps, adversarial_restarts=restarts
        )
        total_on = 0.0
        for state, model in models.items():
            on = timed_probe(model, images, settings, state, args.repeats, time.process_time)
            total_on += on
            added = (on - off[state]) / off[state]
            print(f"{steps:>6}{restarts:>9}{state:>9}{on:>10.2f}{added:>17.2f}", flush=True)
        total_off = sum(off.values())
        print(
            f"{steps:>6}{restarts:>9}{'both':>9}{total_on:>10.2f}"
            f"{(total_on - total_off) / total_off:>17.2f}",
            flush=True,
        )
    if args.convergence:
        convergence(models["trained"], images, typical, args)
    print(f"torch {torch.__version__}, python {platform.python_version()}")


if __name__ == "__main__":
    main()
