"""Cost of each augmentation option per training epoch, against crop_flip, in one process.

The production path (`training.trainer.Trainer.train_epoch`) on random uint8 3 x 32 x 32
images: one trainer per option (none, crop_flip, diffeo, crop_flip+diffeo) from the same
initial weights, each timed on the same `--steps` batches; the options take turns within
each repeat, each first in turn (so a change in the load of shared cores hits them alike);
each figure is the median over `--repeats` epochs, after one warm-up epoch. Also timed: the
augmentation alone (`Trainer.augmented_batch` over an epoch's batches). Reported: seconds per
epoch, the ratio of each option's epoch to crop_flip's, and the augmentation alone as a
fraction of crop_flip's epoch. Prints a table, JSON to --out.

    OMP_NUM_THREADS=1 python benchmarks/augmentation_benchmark.py --device cpu --out aug.json
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from diffeo_stability.data.images import ImageDataset
from diffeo_stability.device import pick_device
from diffeo_stability.io import write_json
from diffeo_stability.models import get_arch
from diffeo_stability.training.hparams import AUGMENTATIONS, resolve_hparams
from diffeo_stability.training.trainer import RunConfig, Trainer

#: every option but "auto" (a data set's default, one of them)
OPTIONS = tuple(name for name in AUGMENTATIONS if name != "auto")
REFERENCE = "crop_flip"


def random_dataset(images: int, side: int, seed: int = 0) -> ImageDataset:
    """`images` random uint8 3 x side x side training images (and as many test ones)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (2, images, 3, side, side), dtype=torch.uint8, generator=gen)
    y = torch.randint(0, 10, (2, images), generator=gen)
    classes = [str(k) for k in range(10)]
    return ImageDataset("bench", x[0].numpy(), y[0].numpy(), x[1].numpy(), y[1].numpy(), classes)


def trainer(args: argparse.Namespace, data: ImageDataset, augmentation: str) -> Trainer:
    """The run's trainer for `augmentation`; seed 0, so every option starts from one net."""
    overrides = {"batch_size": args.batch_size, "augmentation": augmentation}
    if get_arch(args.arch).family == "conv":
        overrides["width_factor"] = args.width
    hp = resolve_hparams(get_arch(args.arch).family, overrides)
    norm = ((0.5,) * 3, (0.25,) * 3)
    out = Path(tempfile.mkdtemp())
    return Trainer(data, RunConfig(args.arch, None, 0, hp, out, norm, device=args.device))


def augmentation_pass(run: Trainer) -> None:
    """The augmentation alone over one epoch's batches (synchronised at the end)."""
    for start in range(0, len(run.x_train), run.hp.batch_size):
        x = run.augmented_batch(run.x_train[start : start + run.hp.batch_size])
    float(x.sum())


def seconds(work: Callable[[], object]) -> float:
    tic = time.perf_counter()
    work()
    return time.perf_counter() - tic


def measure(args: argparse.Namespace) -> dict:
    """Median seconds per epoch and per augmentation pass of every option, and the ratios."""
    data = random_dataset(args.steps * args.batch_size, args.side)
    runs = {name: trainer(args, data, name) for name in OPTIONS}
    for run in runs.values():  # warm-up
        run.train_epoch()
        augmentation_pass(run)
    epoch: dict[str, list[float]] = {name: [] for name in OPTIONS}
    alone: dict[str, list[float]] = {name: [] for name in OPTIONS}
    for repeat in range(args.repeats):
        turn = repeat % len(OPTIONS)  # each option goes first in turn
        for name in OPTIONS[turn:] + OPTIONS[:turn]:
            run = runs[name]
            epoch[name].append(seconds(run.train_epoch))  # ends with .item(): synchronised
            alone[name].append(seconds(lambda run=run: augmentation_pass(run)))
    epoch_s = {name: statistics.median(times) for name, times in epoch.items()}
    alone_s = {name: statistics.median(times) for name, times in alone.items()}
    reference = epoch_s[REFERENCE]
    return {
        name: {
            "epoch_s": epoch_s[name],
            "epoch_ratio_to_crop_flip": epoch_s[name] / reference,
            "augmentation_alone_s": alone_s[name],
            "augmentation_alone_fraction_of_crop_flip_epoch": alone_s[name] / reference,
        }
        for name in OPTIONS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="JSON file for the results")
    parser.add_argument("--arch", default="ResNet18")
    parser.add_argument("--width", type=float, default=0.125, help="width_factor (conv nets)")
    parser.add_argument("--side", type=int, default=32, help="image side in px")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="batches per epoch")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs (median)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.device = pick_device(args.device)
    started = time.perf_counter()
    rows = measure(args)
    header = ("option", "s/epoch", "/crop_flip", "aug. alone s", "/crop_flip")
    print("{:<18} {:>8} {:>10} {:>13} {:>10}".format(*header))
    for name, row in rows.items():
        print(
            f"{name:<18} {row['epoch_s']:8.3f} {row['epoch_ratio_to_crop_flip']:10.3f}"
            f" {row['augmentation_alone_s']:13.4f}"
            f" {row['augmentation_alone_fraction_of_crop_flip_epoch']:10.4f}"
        )
    device = args.device
    on_cuda = device.type == "cuda"
    result = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": {key: str(value) for key, value in vars(args).items() if key != "out"},
        "hardware": torch.cuda.get_device_name(device) if on_cuda else platform.machine(),
        "torch": torch.__version__,
        "wall_s": time.perf_counter() - started,
        "results": rows,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        write_json(args.out, result)


if __name__ == "__main__":
    main()
