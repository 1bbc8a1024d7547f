"""`diffeo-stability probe-imagenet --images DIR --weights FILE --arch A --out PATH.parquet`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from diffeo_stability.commands.probe import add_settings_argument
from diffeo_stability.device import pick_device, retain_freed_memory
from diffeo_stability.io import write_parquet
from diffeo_stability.probe.imagenet import ARCHS, probe_imagenet
from diffeo_stability.probe.settings import ProbeSettings

HELP = (
    "optional: R_f of a pretrained ImageNet net on a local image folder; skipped, with no "
    "output, when the folder or the weights file is missing"
)
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--images", required=True, help="folder of images (searched recursively)")
    parser.add_argument("--weights", required=True, help="torchvision state dict file")
    parser.add_argument("--arch", required=True, choices=ARCHS)
    parser.add_argument("--out", required=True, help="output .parquet")
    parser.add_argument(
        "--size",
        type=int,
        required=True,
        help="side n of the centre crops (px; config imagenet.size)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the draws")
    add_settings_argument(parser)


def run(args: argparse.Namespace) -> None:
    settings = ProbeSettings.from_json(args.settings, "--settings")
    missing = [
        f"{what} {path}"
        for what, path, ok in (
            ("image folder", args.images, Path(args.images).is_dir()),
            ("weights file", args.weights, Path(args.weights).is_file()),
        )
        if not ok
    ]
    if missing:
        log.warning(
            "skipping the ImageNet probe of %s: %s not found; no output written",
            args.arch,
            " and ".join(missing),
        )
        return
    retain_freed_memory()
    rows = probe_imagenet(
        args.images,
        args.weights,
        args.arch,
        settings,
        size=args.size,
        seed=args.seed,
        device=pick_device(args.device),
    )
    write_parquet(args.out, rows)
    log.info("wrote %s (%d rows)", args.out, len(rows))
