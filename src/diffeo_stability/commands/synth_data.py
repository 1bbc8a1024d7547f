"""`diffeo-stability synth-data DATASET --out DIR [--n-train N] [--n-test N] [--seed S]`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from diffeo_stability.data.registry import DATASETS, get_dataset
from diffeo_stability.data.synthetic import write_synthetic
from diffeo_stability.errors import ConfigError

HELP = "write a tiny learnable synthetic dataset in its original file format into a directory"
log = logging.getLogger(__name__)
SYNTHETIC = [name for name, info in DATASETS.items() if info.synthetic]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help=f"one of: {', '.join(SYNTHETIC)}")
    parser.add_argument("--out", required=True, type=Path, help="output directory (a mirror)")
    parser.add_argument("--n-train", type=int, default=None, help="default: the registry's")
    parser.add_argument("--n-test", type=int, default=None, help="default: the registry's")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> None:
    info = get_dataset(args.dataset)
    if not info.synthetic:
        raise ConfigError(f"synth-data: {args.dataset!r} is not synthetic; one of {SYNTHETIC}")
    n_train = info.n_train if args.n_train is None else args.n_train
    n_test = info.n_test if args.n_test is None else args.n_test
    if n_train < 5 or n_test < 1:
        raise ConfigError(
            f"synth-data: need --n-train >= 5 and --n-test >= 1, got {n_train}, {n_test}"
        )
    paths = write_synthetic(info, args.out, n_train, n_test, args.seed)
    log.info(
        "%s: wrote %d train / %d test images (seed %d; synthetic, no published checksum): %s",
        info.name,
        n_train,
        n_test,
        args.seed,
        ", ".join(map(str, paths)),
    )
