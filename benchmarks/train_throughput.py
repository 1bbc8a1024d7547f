"""Training throughput (images/s): a plain eager fp32 loop fed by a torch DataLoader with
per-image CPU transforms (what the authors' code does) against `diffeo_stability.train`
(data and augmentation on the device, channels-last, bf16 / CUDA graphs as configured),
as one job and as K concurrent jobs sharing the device.

    python benchmarks/train_throughput.py --out results/bench/train_throughput.json
    python benchmarks/train_throughput.py --quick --arch LeNet --out /some/dir/quick.json

Each job runs in its own process: warm-up, then waits at a barrier so that the K concurrent
jobs measure the same time window. Reported: images/s per job, their sum, and the ratios to
the plain single job (targets on one H100: single >= 2.5x, all jobs together >= 8x).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from diffeo_stability.datasets import DATASETS
from diffeo_stability.device import pick_device
from diffeo_stability.io import write_json

SIDE, CHANNELS = 32, 3


def random_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-shaped uint8 images (n, 3, 32, 32) and int64 labels (n,)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, CHANNELS, SIDE, SIDE), dtype=np.uint8)
    return x, rng.integers(0, 10, n).astype(np.int64)


class PerImageDataset(torch.utils.data.Dataset):
    """uint8 images transformed one at a time on the CPU: crop(pad 4), flip, to float."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        img = F.pad(self.x[i].float().div(255.0), (4, 4, 4, 4))
        dy, dx = torch.randint(0, 9, (2,)).tolist()
        img = img[:, dy : dy + SIDE, dx : dx + SIDE]
        if torch.rand(()) < 0.5:
            img = img.flip(-1)
        return img, self.y[i]


def plain_job(args: argparse.Namespace, barrier: Path) -> float:
    """Images/s of the eager fp32 loop over a DataLoader (model on the device, SGD)."""
    from diffeo_stability.models import build_model

    device = pick_device(args.device)
    x, y = random_images(args.steps * args.batch_size)
    loader = torch.utils.data.DataLoader(
        PerImageDataset(x, y), batch_size=args.batch_size, shuffle=True, drop_last=True,
        num_workers=args.workers, pin_memory=device.type == "cuda",
        persistent_workers=args.workers > 0,
    )  # fmt: skip
    info = DATASETS["cifar10"]
    model = build_model(args.arch, CHANNELS, SIDE, 10, info.normalization).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def epoch() -> None:
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    epoch()  # warm-up (workers, cudnn autotuning)
    return _timed(epoch, barrier, len(loader) * args.batch_size)


def ours_job(args: argparse.Namespace, barrier: Path) -> float:
    """Images/s of `diffeo_stability.train.Trainer.train_epoch` (the production path)."""
    from diffeo_stability.data import ImageDataset
    from diffeo_stability.hparams import resolve_hparams
    from diffeo_stability.models import get_arch
    from diffeo_stability.train import RunConfig, Trainer

    device = pick_device(args.device)
    x, y = random_images(args.steps * args.batch_size)
    xt, yt = random_images(args.batch_size, seed=1)
    data = ImageDataset("bench", x, y, xt, yt, [str(k) for k in range(10)])
    overrides = {
        "batch_size": args.batch_size, "precision": args.precision,
        "compile": args.compile, "cuda_graph": args.cuda_graph, "augmentation": "crop_flip",
    }  # fmt: skip
    hp = resolve_hparams(get_arch(args.arch).family, overrides)
    info = DATASETS["cifar10"]
    config = RunConfig(args.arch, None, 0, hp, Path(tempfile.mkdtemp()), info.normalization,
                       device=device)  # fmt: skip
    trainer = Trainer(data, config)

    def epoch() -> None:
        trainer.train_epoch()  # ends with .item(): synchronised

    epoch()  # warm-up (compilation, graph capture)
    return _timed(epoch, barrier, len(x))


def _timed(epoch, barrier: Path, images: int) -> float:
    """Signal readiness, wait for the barrier file, time one epoch of `images` images."""
    Path(f"{barrier}.ready.{os.getpid()}").touch()
    while not barrier.exists():
        time.sleep(0.005)
    tic = time.perf_counter()
    epoch()
    return images / (time.perf_counter() - tic)


def run_jobs(args: argparse.Namespace, mode: str, k: int) -> list[float]:
    """Start k worker processes of `mode`, release them together, return their images/s."""
    barrier = Path(tempfile.mkdtemp()) / "go"
    forwarded = [a for a in sys.argv[1:] if a != "--quick"]
    cmd = [sys.executable, __file__, *forwarded, "--worker", mode, "--barrier", str(barrier)]
    if args.quick:
        cmd += ["--steps", str(args.steps), "--batch-size", str(args.batch_size)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(k)]
    while len(list(barrier.parent.glob("go.ready.*"))) < k:
        if any(p.poll() not in (None, 0) for p in procs):
            raise RuntimeError(f"a {mode} worker failed")
        time.sleep(0.01)
    barrier.touch()
    rates = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"a {mode} worker failed (exit {proc.returncode})")
        rates.append(float(out.strip().splitlines()[-1]))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="JSON file for the results")
    parser.add_argument("--arch", default="ResNet18")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100, help="timed steps per job")
    parser.add_argument("--jobs", type=int, default=8, help="K concurrent jobs")
    parser.add_argument("--workers", type=int, default=4, help="DataLoader workers (plain)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="bf16", choices=("fp32", "bf16"))
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--cuda-graph", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--quick", action="store_true", help="tiny settings (CPU smoke run)")
    parser.add_argument("--worker", choices=("plain", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--barrier", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        job = plain_job if args.worker == "plain" else ours_job
        print(job(args, args.barrier), flush=True)
        return
    if args.quick:
        args.steps, args.batch_size, args.jobs = 3, 32, 2
    plain = run_jobs(args, "plain", 1)[0]
    ours = run_jobs(args, "ours", 1)[0]
    ours_k = run_jobs(args, "ours", args.jobs)
    device = pick_device(args.device)
    result = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "arch": args.arch, "batch_size": args.batch_size, "steps": args.steps,
        "jobs": args.jobs, "dataloader_workers": args.workers, "precision": args.precision,
        "compile": args.compile, "cuda_graph": args.cuda_graph, "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
        else platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "plain_images_per_s": plain, "ours_images_per_s": ours,
        "ours_concurrent_images_per_s": ours_k, "ours_concurrent_total": sum(ours_k),
        "speedup_single": ours / plain, "speedup_concurrent_total": sum(ours_k) / plain,
    }  # fmt: skip
    print(json.dumps(result, indent=2))
    if args.out:
        write_json(args.out, result)


if __name__ == "__main__":
    main()
