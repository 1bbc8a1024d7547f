"""Benchmark: stripe-model training steps, ours (closed form) vs a plain autograd loop.

The anchor is what one writes with autograd: every step evaluates F = alpha (f - f_0) on all
points to find the unfitted ones (f_0 recomputed from the frozen weights), then forwards and
back-propagates the hinge loss of those points and takes an SGD step. Both run the same
number of steps from the same initialisation (default config: d = 30, h = 100, alpha = 1e-6,
P = 4096); the table gives the median of repeats and the final margins' largest difference.
A large --steps (30000, the configs' max_steps) times whole fits: both stop when every margin
reaches 1 (in float64 after the same number of steps; float32 trajectories drift apart).

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
) -> int:
    """Boosted hinge GD written with autograd until fitted or `config.max_steps` (timing
    anchor; no stall fallback); returns the number of steps."""
    optimizer = torch.optim.SGD(model.net.parameters(), lr=config.lr)
    for step in range(config.max_steps):
        with torch.no_grad():
            unfitted = y * model(x) < 1
        n_active = int(unfitted.sum())
        if n_active == 0:
            return step
        denom = max(n_active, len(y) / config.boost)
        xa, ya = x[unfitted], y[unfitted]
        loss = config.h / config.alpha * torch.relu(1 - ya * model(xa)).sum() / denom
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return config.max_steps


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
    steps, finals = {}, {}
    for _ in range(args.repeats):
        for name in ("ours", "autograd"):
            model = copy.deepcopy(start_model)
            started = time.perf_counter()
            if name == "ours":
                steps[name] = train(model, x, y, config).steps
            else:
                steps[name] = autograd_train(model, x, y, config)
            seconds[name].append(time.perf_counter() - started)
            with torch.no_grad():
                finals[name] = y * model(x)
    ours, anchor = (statistics.median(seconds[k]) for k in ("ours", "autograd"))
    gap = float((finals["ours"] - finals["autograd"]).abs().max())
    print(
        f"stripe training, d = {config.d}, h = {config.h}, P = {config.P}, at most {args.steps} "
        f"steps, {args.dtype}, {torch.get_num_threads()} thread(s), median of {args.repeats}"
    )
    print(
        f"{'':>10}{'steps':>8}{'s/fit':>10}{'ms/step':>10}"
        f"{'autograd/ours (per fit)':>26}{'max |margin diff|':>20}"
    )
    for name, median in (("ours", ours), ("autograd", anchor)):
        ratio = f"{anchor / ours:>26.2f}{gap:>20.2e}" if name == "ours" else ""
        print(
            f"{name:>10}{steps[name]:>8}{median:>10.3f}"
            f"{1e3 * median / max(steps[name], 1):>10.3f}{ratio}"
        )


if __name__ == "__main__":
    main()
