"""Training throughput (images/s): a plain eager loop fed by a torch DataLoader with
per-image CPU transforms (what the authors' code does) against `diffeo_stability.training.trainer`
(data and augmentation on the device, the device's memory format, bf16 / CUDA graphs as
configured), both in the same precision, per architecture; on CUDA also as K concurrent jobs.

    python benchmarks/train_throughput.py --device cpu --precision fp32 --out train_cpu.json
    python benchmarks/train_throughput.py --arch ResNet18 --width 1 --jobs 8 --out train.json
    python benchmarks/train_throughput.py --quick --arch LeNet --out /some/dir/quick.json

Each job runs in its own process with `--threads` intra-op threads (default 1) and a passive
OpenMP wait policy: warm-up, then waits at a barrier so that the K concurrent jobs measure the
same time window, then times `--repeats` epochs of `--steps` batches and reports the median.
Inputs are random uint8 images of shape `--shape` (crop/flip augmentation on 3-channel ones).
Reported per architecture: images/s of each loop and ours / plain (target on CPU: >= 2x).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from diffeo_stability.device import pick_device
from diffeo_stability.io import write_json

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # inherited by the worker processes


def random_images(n: int, shape: tuple[int, int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (n, C, S, S) for shape (C, S) and int64 labels (n,)."""
    channels, side = shape
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, channels, side, side), dtype=np.uint8)
    return x, rng.integers(0, 10, n).astype(np.int64)


class PerImageDataset(torch.utils.data.Dataset):
    """uint8 images transformed one at a time on the CPU: to float, crop(pad 4) + flip when
    `augment`."""

    def __init__(self, x: np.ndarray, y: np.ndarray, augment: bool) -> None:
        self.x, self.y, self.augment = torch.from_numpy(x), torch.from_numpy(y), augment

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        img = self.x[i].float().div(255.0)
        if self.augment:
            side = img.shape[-1]
            img = F.pad(img, (4, 4, 4, 4))
            dy, dx = torch.randint(0, 9, (2,)).tolist()
            img = img[:, dy : dy + side, dx : dx + side]
            if torch.rand(()) < 0.5:
                img = img.flip(-1)
        return img, self.y[i]


def _shape(args: argparse.Namespace) -> tuple[int, int]:
    channels, side = map(int, args.shape.split("x"))
    return channels, side


def _arch_kwargs(args: argparse.Namespace) -> dict:
    return {"width_factor": args.width} if args.arch.startswith(("ResNet", "EfficientNet")) else {}


def plain_job(args: argparse.Namespace, barrier: Path) -> float:
    """Images/s of the eager loop over a DataLoader (model on the device, SGD)."""
    from diffeo_stability.models import build_model

    device = pick_device(args.device)
    shape = _shape(args)
    x, y = random_images(args.steps * args.batch_size, shape)
    loader = torch.utils.data.DataLoader(
        PerImageDataset(x, y, augment=shape[0] == 3),
        batch_size=args.batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=args.workers,
        pin_memory=device.type == "cuda",
        persistent_workers=args.workers > 0,
    )
    norm = ((0.5,) * shape[0], (0.25,) * shape[0])
    model = build_model(args.arch, shape[0], shape[1], 10, norm, **_arch_kwargs(args)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16")

    def epoch() -> None:
        for xb, yb in loader:
            with autocast:
                loss = F.cross_entropy(model(xb.to(device)).float(), yb.to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    epoch()  # warm-up (workers, cudnn autotuning)
    return _timed(epoch, barrier, len(loader) * args.batch_size, args.repeats)


def ours_job(args: argparse.Namespace, barrier: Path) -> float:
    """Images/s of `diffeo_stability.training.trainer.Trainer.train_epoch` (the production path)."""
    from diffeo_stability.data.images import ImageDataset
    from diffeo_stability.models import get_arch
    from diffeo_stability.training.hparams import resolve_hparams
    from diffeo_stability.training.trainer import RunConfig, Trainer

    device = pick_device(args.device)
    shape = _shape(args)
    x, y = random_images(args.steps * args.batch_size, shape)
    xt, yt = random_images(args.batch_size, shape, seed=1)
    data = ImageDataset("bench", x, y, xt, yt, [str(k) for k in range(10)])
    overrides = {
        "batch_size": args.batch_size,
        "precision": args.precision,
        "compile": args.compile,
        "cuda_graph": args.cuda_graph,
        "augmentation": "crop_flip" if shape[0] == 3 else "none",
        **_arch_kwargs(args),
    }
    hp = resolve_hparams(get_arch(args.arch).family, overrides)
    norm = ((0.5,) * shape[0], (0.25,) * shape[0])
    config = RunConfig(args.arch, None, 0, hp, Path(tempfile.mkdtemp()), norm, device=device)
    trainer = Trainer(data, config)

    def epoch() -> None:
        trainer.train_epoch()  # ends with .item(): synchronised

    epoch()  # warm-up (compilation, graph capture)
    return _timed(epoch, barrier, len(x), args.repeats)


def _timed(epoch, barrier: Path, images: int, repeats: int) -> float:
    """Signal readiness, wait for the barrier file, time `repeats` epochs of `images` images;
    the median images/s."""
    Path(f"{barrier}.ready.{os.getpid()}").touch()
    while not barrier.exists():
        time.sleep(0.005)
    rates = []
    for _ in range(repeats):
        tic = time.perf_counter()
        epoch()
        rates.append(images / (time.perf_counter() - tic))
    return statistics.median(rates)


def run_jobs(args: argparse.Namespace, mode: str, k: int) -> list[float]:
    """Start k worker processes of `mode`, release them together, return their images/s."""
    barrier = Path(tempfile.mkdtemp()) / "go"
    options = {
        "arch": args.arch,
        "width": args.width,
        "shape": args.shape,
        "batch-size": args.batch_size,
        "steps": args.steps,
        "repeats": args.repeats,
        "workers": args.workers,
        "device": args.device,
        "precision": args.precision,
        "threads": args.threads,
    }
    cmd = [sys.executable, __file__, "--worker", mode, "--barrier", str(barrier)]
    cmd += [item for key, value in options.items() for item in (f"--{key}", str(value))]
    cmd += ["--compile" if args.compile else "--no-compile"]
    cmd += ["--cuda-graph" if args.cuda_graph else "--no-cuda-graph"]
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


def measure(args: argparse.Namespace) -> dict:
    """Plain and ours (and ours as K concurrent jobs) for args.arch on args.shape."""
    plain = run_jobs(args, "plain", 1)[0]
    ours = run_jobs(args, "ours", 1)[0]
    ours_k = run_jobs(args, "ours", args.jobs) if args.jobs else []
    row = {
        "arch": args.arch,
        "width_factor": _arch_kwargs(args).get("width_factor", 1.0),
        "input": args.shape,
        "plain_images_per_s": plain,
        "ours_images_per_s": ours,
        "speedup_single": ours / plain,
    }
    if ours_k:
        row |= {
            "ours_concurrent_images_per_s": ours_k,
            "ours_concurrent_total": sum(ours_k),
            "speedup_concurrent_total": sum(ours_k) / plain,
        }
    print(
        f"{args.arch:<12} {row['width_factor']:<5g} {args.shape:<5} plain {plain:8.0f} img/s"
        f"  ours {ours:8.0f} img/s  ours/plain {ours / plain:5.2f}x",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="JSON file for the results")
    parser.add_argument(
        "--arch", nargs="+", default=["FullConnL2", "FullConnL4", "LeNet", "ResNet18"]
    )
    parser.add_argument("--width", type=float, default=0.25, help="of ResNet*/EfficientNet*")
    parser.add_argument("--shape", nargs="+", default=["1x28", "3x32"], help="CxS inputs")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per epoch")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs (median)")
    parser.add_argument("--jobs", type=int, help="K concurrent jobs (default: 8 on CUDA, none)")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader workers (plain)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per process")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--cuda-graph", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--quick", action="store_true", help="tiny settings (smoke run)")
    parser.add_argument("--worker", choices=("plain", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--barrier", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.worker:
        args.arch, args.shape = args.arch[0], args.shape[0]
        job = plain_job if args.worker == "plain" else ours_job
        print(job(args, args.barrier), flush=True)
        return
    device = pick_device(args.device)
    if args.jobs is None:
        args.jobs = 8 if device.type == "cuda" else 0
    if args.quick:
        args.steps, args.batch_size, args.repeats, args.jobs = 3, 32, 1, min(args.jobs, 2)
    rows = []
    for arch, shape in [(a, s) for a in args.arch for s in args.shape]:
        rows.append(measure(argparse.Namespace(**{**vars(args), "arch": arch, "shape": shape})))
    result = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "batch_size": args.batch_size,
        "steps": args.steps,
        "repeats": args.repeats,
        "jobs": args.jobs,
        "dataloader_workers": args.workers,
        "threads": args.threads,
        "precision": args.precision,
        "compile": args.compile,
        "cuda_graph": args.cuda_graph,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "results": rows,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        write_json(args.out, result)


if __name__ == "__main__":
    main()
