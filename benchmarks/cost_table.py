"""Cost table: training seconds per epoch per 1,000 images and seconds of a 10,000-image test
evaluation, per architecture, width, input shape and precision, on one thread of this device.

    python benchmarks/cost_table.py --csv docs/results/cost_table.csv
    python benchmarks/cost_table.py --arch ResNet18 --width 0.25 --shape 3x32 --precision bf16
    python benchmarks/cost_table.py --epoch ResNet18:0.25:3x32 --P 1024 --repeats 3

Each cell runs `diffeo_stability.training.trainer.Trainer` (the production path: batch 128,
crop/flip on 3-channel inputs, the device's memory format and evaluation batch) on random
uint8 images: one warm-up step, then `--steps` timed training steps and `--eval-batches` timed
evaluation batches; the per-image medians are scaled to 1,000 training and 10,000 test images.
Seconds are per core (`--threads`, default 1); each row records the machine's load average, since
other processes on the cores inflate them. `--epoch` instead times whole epochs (training on P
images plus the evaluation of `--n-test` images), the median of `--repeats`; it also runs on
older checkouts of the package (only keys their hyper-parameters know are set).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from diffeo_stability.data.images import ImageDataset
from diffeo_stability.io import write_csv
from diffeo_stability.models import get_arch
from diffeo_stability.training.hparams import PAPER_DEFAULTS, resolve_hparams
from diffeo_stability.training.trainer import RunConfig, Trainer

ARCHS = (
    "FullConnL2",
    "FullConnL4",
    "LeNet",
    "AlexNet",
    "VGG11",
    "VGG11bn",
    "VGG16bn",
    "VGG19bn",
    "ResNet18",
    "ResNet34",
    "ResNet50",
    "EfficientNetB0",
)
WIDTHS = (0.25, 0.5)  # width_factor of the nets that have one (ResNet*, EfficientNetB0)
SHAPES = ("1x28", "3x32")
TRAIN_IMAGES, TEST_IMAGES = 1000, 10000


def _has_width(arch: str) -> bool:
    return arch.startswith(("ResNet", "EfficientNet"))


def make_trainer(
    arch: str,
    width: float,
    shape: str,
    precision: str,
    n_train: int,
    n_test: int,
    memory_format: str = "auto",
) -> Trainer:
    """A Trainer of `arch` on random (n, C, S, S) uint8 images, `shape` = "CxS"."""
    channels, side = map(int, shape.split("x"))
    rng = np.random.default_rng(0)

    def images(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.integers(0, 256, (n, channels, side, side), dtype=np.uint8)
        return x, rng.integers(0, 10, n).astype(np.int64)

    data = ImageDataset("bench", *images(n_train), *images(n_test), [str(k) for k in range(10)])
    overrides = {
        "precision": precision,
        "memory_format": memory_format,
        "augmentation": "crop_flip" if channels == 3 else "none",
    }
    if width != 1.0:
        overrides["width_factor"] = width
    family = get_arch(arch).family
    overrides = {k: v for k, v in overrides.items() if k in PAPER_DEFAULTS[family]}
    hp = resolve_hparams(family, overrides)
    norm = ((0.5,) * channels, (0.25,) * channels)
    config = RunConfig(arch, None, 0, hp, Path(tempfile.mkdtemp()), norm)
    return Trainer(data, config)


def _median_time(step: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        step()
        times.append(time.perf_counter() - tic)
    return statistics.median(times)


def cell(arch: str, width: float, shape: str, precision: str, args) -> dict:
    """One row: seconds per 1,000 training images and per 10,000 test images."""
    batch = PAPER_DEFAULTS[get_arch(arch).family]["batch_size"]
    trainer = make_trainer(arch, width, shape, precision, batch, 1, args.memory_format)
    eval_batch = trainer.eval_batch_size
    x_test = torch.randint(0, 256, (eval_batch, *trainer.x_train.shape[1:]), dtype=torch.uint8)
    y_test = torch.randint(0, 10, (eval_batch,))
    trainer.train_epoch()  # warm-up (one step of `batch` images)
    trainer.evaluate(x_test, y_test)
    train_s = _median_time(trainer.train_epoch, args.steps) / batch
    eval_s = _median_time(lambda: trainer.evaluate(x_test, y_test), args.eval_batches) / eval_batch
    return {
        "arch": arch,
        "width_factor": width,
        "input": f"{shape}x{shape.split('x')[1]}",
        "precision": precision,
        "memory_format": str(trainer.memory_format).split(".")[-1],
        "eval_batch_size": eval_batch,
        "threads": torch.get_num_threads(),
        "train_s_per_1000_images": round(train_s * TRAIN_IMAGES, 3),
        "eval_s_per_10000_images": round(eval_s * TEST_IMAGES, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine
    }


def epoch_seconds(spec: str, args) -> list[float]:
    """Seconds of whole epochs (training on P images + evaluation of n_test) of ARCH:WIDTH:SHAPE."""
    arch, width, shape = spec.split(":")
    trainer = make_trainer(
        arch, float(width), shape, args.precision[0], args.P, args.n_test, args.memory_format
    )
    trainer.train_epoch()  # warm-up

    def epoch() -> None:
        trainer.train_epoch()
        trainer.evaluate(trainer.x_test, trainer.y_test)

    times = []
    for _ in range(args.repeats):
        tic = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - tic)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", nargs="+", default=list(ARCHS))
    parser.add_argument(
        "--width",
        nargs="+",
        type=float,
        default=list(WIDTHS),
        help="width factors of ResNet*/EfficientNetB0 (others: 1)",
    )
    parser.add_argument("--shape", nargs="+", default=list(SHAPES), help="CxS inputs")
    parser.add_argument("--precision", nargs="+", default=["fp32", "bf16"])
    parser.add_argument("--steps", type=int, default=2, help="timed training steps per cell")
    parser.add_argument("--eval-batches", type=int, default=2, help="timed evaluation batches")
    parser.add_argument("--memory-format", default="auto", help="hyper-parameter memory_format")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--csv", type=Path, help="write the table here too")
    parser.add_argument("--epoch", help="ARCH:WIDTH:CxS: time whole epochs instead")
    parser.add_argument("--P", type=int, default=1024, help="training images (--epoch)")
    parser.add_argument("--n-test", type=int, default=10000, help="test images (--epoch)")
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed (--epoch)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.epoch:
        times = epoch_seconds(args.epoch, args)
        print(
            f"{args.epoch} P={args.P} n_test={args.n_test} {args.precision[0]}: epoch seconds "
            f"{[round(t, 2) for t in times]}, median {statistics.median(times):.2f}"
        )
        return
    rows = []
    for arch in args.arch:
        for width in args.width if _has_width(arch) else [1.0]:
            for shape in args.shape:
                for precision in args.precision:
                    rows.append(cell(arch, width, shape, precision, args))
                    if len(rows) == 1:
                        print(",".join(rows[0]))
                    print(",".join(map(str, rows[-1].values())), flush=True)
    if args.csv:
        write_csv(args.csv, pd.DataFrame(rows))
        print(f"wrote {args.csv}", file=sys.stderr)


if __name__ == "__main__":
    main()
