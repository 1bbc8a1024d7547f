"""Benchmark: stripe-model training steps, ours (closed form) vs a plain autograd loop.

The anchor is what one writes with autograd: every step evaluates F = alpha (f - f_0) on all
points to find the unfitted ones (f_0 recomputed from the frozen weights), then forwards and
back-propagates the hinge loss of those points and takes an SGD step. Both run the same
number of steps from the same initialisation (default config: d = 30, h = 100, alpha = 1e-6,
P = 4096); the table gives the median of repeats and the final margins' largest difference.

    OMP_NUM_THREADS=1 python benchmarks/stripe_benchmark.py [--P 4096] [--steps 300]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from diffeo_stability.stripe.config import StripeConfig
from diffeo_stability.stripe.model import AlphaModel, StripeNet, sample_stripe, train


def autograd_train(
    model: AlphaModel, x: torch.Tensor, y: torch.Tensor, config: StripeConfig
) -> None:
    """`config.max_steps` boosted hinge GD steps written with autograd (timing anchor)."""
    optimizer = torch.optim.SGD(model.net.parameters(), lr=config.lr)
    for _ in range(config.max_steps):
        with torch.no_grad():
            unfitted = y * model(x) < 1
        n_active = int(unfitted.sum())
        if n_active == 0:
            return
        denom = max(n_active, len(y) / config.boost)
        xa, ya = x[unfitted], y[unfitted]
        loss = config.h / config.alpha * torch.relu(1 - ya * model(xa)).sum() / denom
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--P", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = StripeConfig(P=args.P, max_steps=args.steps, dtype=args.dtype)
    dtype = getattr(torch, args.dtype)
    gen = torch.Generator().manual_seed(0)
    x, y = sample_stripe(config.P, config.d, gen, dtype)
    start_model = AlphaModel(StripeNet(config.d, config.h, gen, dtype), config.alpha)
    seconds: dict[str, list[float]] = {"ours": [], "autograd": []}
    finals = {}
    for _ in range(args.repeats):
        for name, fit in (("ours", train), ("autograd", autograd_train)):
            model = copy.deepcopy(start_model)
            started = time.perf_counter()
            fit(model, x, y, config)
            seconds[name].append(time.perf_counter() - started)
            with torch.no_grad():
                finals[name] = y * model(x)
    ours, anchor = (statistics.median(seconds[k]) for k in ("ours", "autograd"))
    gap = float((finals["ours"] - finals["autograd"]).abs().max())
    print(
        f"stripe training, d = {config.d}, h = {config.h}, P = {config.P}, {args.steps} steps, "
        f"{args.dtype}, {torch.get_num_threads()} thread(s), median of {args.repeats}"
    )
    print(
        f"{'ours (ms/step)':>15}{'autograd (ms/step)':>20}{'autograd/ours':>15}"
        f"{'max |margin diff|':>20}"
    )
    print(
        f"{1e3 * ours / args.steps:>15.3f}{1e3 * anchor / args.steps:>20.3f}"
        f"{anchor / ours:>15.2f}{gap:>20.2e}"
    )


if __name__ == "__main__":
    main()
