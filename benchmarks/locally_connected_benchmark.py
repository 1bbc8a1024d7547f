"""Benchmark: the locally connected layer (unfold + einsum) against a loop over output positions
and against the convolution of the same shape, timed in the same run.

Forward + backward of one training batch (B x C x S x S, h channels, f_s x f_s filters, "same"
padding); each figure is the median of `--repeats` timings after a warm-up. Prints a table of
milliseconds and the ratios loop / ours and ours / conv.

    OMP_NUM_THREADS=1 python benchmarks/locally_connected_benchmark.py --device cpu
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from diffeo_stability.device import pick_device
from diffeo_stability.models.local import LocallyConnected2d


def loop_forward(layer: LocallyConnected2d, x: torch.Tensor) -> torch.Tensor:
    """The same layer written plainly: one matrix product per output position."""
    k, pad, side = layer.kernel_size, layer.padding, layer.out_size
    padded = F.pad(x, (pad, pad, pad, pad))
    columns = []
    for i in range(side):
        for j in range(side):
            patch = padded[:, :, i : i + k, j : j + k].reshape(x.shape[0], -1)
            columns.append(patch @ layer.weight[i * side + j])
    out = torch.stack(columns, dim=-1)  # (B, h, L)
    return out.reshape(x.shape[0], -1, side, side) + layer.bias


def timed(step: Callable[[], torch.Tensor], device: torch.device, repeats: int) -> float:
    """Median seconds of forward + backward of `step`."""
    times = []
    for attempt in range(repeats + 1):
        if device.type == "cuda":
            torch.cuda.synchronize()
        tic = time.perf_counter()
        step().square().mean().backward()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if attempt:  # the first is a warm-up
            times.append(time.perf_counter() - tic)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--channels", type=int, default=64, help="hidden channels h")
    parser.add_argument("--filter-size", type=int, default=5)
    parser.add_argument("--shapes", nargs="+", default=["3x32", "1x28"], help="CxS inputs")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    device = pick_device(args.device)
    k, h = args.filter_size, args.channels
    print(f"# forward + backward, batch {args.batch}, h = {h}, f_s = {k}, {device}, median ms")
    print(f"{'input':<8} {'loop':>9} {'ours':>9} {'conv':>9} {'loop/ours':>10} {'ours/conv':>10}")
    for shape in args.shapes:
        c, side = map(int, shape.split("x"))
        torch.manual_seed(0)
        layer = LocallyConnected2d(c, h, side, k, k // 2).to(device)
        conv = torch.nn.Conv2d(c, h, k, padding=k // 2).to(device)
        x = torch.rand(args.batch, c, side, side, device=device)
        loop = timed(lambda: loop_forward(layer, x), device, args.repeats)  # noqa: B023
        ours = timed(lambda: layer(x), device, args.repeats)  # noqa: B023
        reference = timed(lambda: conv(x), device, args.repeats)  # noqa: B023
        print(
            f"{shape:<8} {loop * 1e3:9.1f} {ours * 1e3:9.1f} {reference * 1e3:9.1f} "
            f"{loop / ours:9.1f}x {ours / reference:9.1f}x"
        )


if __name__ == "__main__":
    main()
