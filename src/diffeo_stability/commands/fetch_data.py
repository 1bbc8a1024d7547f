"""`diffeo-stability fetch-data DATASET --out PATH [--mirror DIR ...] [--cache DIR]
[--no-download]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from diffeo_stability.data.fetch import ENV_MIRROR, fetch_dataset
from diffeo_stability.data.registry import DATASETS, get_dataset

HELP = "find, verify (md5) and convert a dataset's original files into one .npz"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help=f"one of: {', '.join(DATASETS)}")
    parser.add_argument("--out", required=True, type=Path, help="output .npz path")
    parser.add_argument(
        "--mirror",
        action="append",
        default=[],
        metavar="DIR",
        help=f"directory holding the original files (repeatable; tried before ${ENV_MIRROR})",
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="download cache directory (default: none)"
    )
    parser.add_argument(
        "--no-download", action="store_true", help="never download; fail if no mirror has it"
    )


def run(args: argparse.Namespace) -> None:
    fetch_dataset(
        get_dataset(args.dataset),
        args.out,
        mirrors=args.mirror,
        cache=args.cache,
        download=not args.no_download,
    )
