"""`diffeo-stability train --data NPZ --dataset NAME --arch ARCH --P N|full --seed S --out DIR
--hparams JSON [--device auto] [--deterministic] [--weights PATH]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from diffeo_stability.errors import ConfigError, DataError, SettingError

HELP = "train one network on a subset of size P drawn from the seed; resumable"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="dataset .npz (resources/data/NAME.npz)")
    parser.add_argument("--dataset", required=True, help="registry name (normalisation, augment)")
    parser.add_argument("--arch", required=True, help="architecture name (see `params`)")
    parser.add_argument("--P", required=True, help="training-set size, or 'full'")
    parser.add_argument("--seed", type=int, required=True, help="subset and initialisation seed")
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument(
        "--hparams",
        default="{}",
        help="JSON object of hparams.HParams fields: the run's resolved hyper-parameters (the "
        "workflow's config.run_hparams) or some of them, completed with the paper's values",
    )
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    parser.add_argument(
        "--deterministic", action="store_true", help="deterministic kernels (exact resume on CPU)"
    )
    parser.add_argument("--weights", default=None, help="ImageNet weights file (transfer nets)")


def run(args: argparse.Namespace) -> None:
    from diffeo_stability.data.images import load_dataset
    from diffeo_stability.data.registry import get_dataset
    from diffeo_stability.data.subsets import parse_P
    from diffeo_stability.device import pick_device
    from diffeo_stability.training.hparams import resolve_arch_hparams
    from diffeo_stability.training.trainer import RunConfig, train

    info = get_dataset(args.dataset)
    try:
        overrides = json.loads(args.hparams)
    except json.JSONDecodeError as err:
        raise ConfigError(f"--hparams is not valid JSON ({err})") from None
    if not isinstance(overrides, dict):
        raise ConfigError("--hparams must be a JSON object")
    try:
        hparams = resolve_arch_hparams(args.arch, overrides)
    except SettingError as err:
        raise ConfigError(f"--hparams: {err}") from None
    data = load_dataset(args.data)
    channels, side = data.x_train.shape[1], data.x_train.shape[2]
    if (channels, side) != (info.channels, info.image_size):
        raise DataError(
            f"{args.data}: images are {channels}x{side}x{side}, but dataset {args.dataset!r} "
            f"has {info.channels}x{info.image_size}x{info.image_size}"
        )
    config = RunConfig(
        arch=args.arch,
        P=parse_P(args.P),
        seed=args.seed,
        hparams=hparams,
        out_dir=args.out,
        normalization=info.normalization,
        default_augmentation=info.augmentation,
        device=pick_device(args.device),
        deterministic=args.deterministic,
        weights=args.weights,
    )
    train(data, config)
