"""`diffeo-stability filter-spectrum --out results/tables/filter_spectrum.csv CHECKPOINT ...`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.io import write_csv

HELP = (
    "energy of the 3x3 convolution filters on each eigenvalue of the 3x3 grid Laplacian, per "
    "run, layer and epoch (init.pt = epoch 0, snapshots/epoch<E>.pt), as one CSV table"
)
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument(
        "inputs", nargs="+", help="checkpoints: a run's init.pt and its snapshots/epoch<E>.pt"
    )


def run(args: argparse.Namespace) -> None:
    from diffeo_stability.mechanisms.filter_spectrum import filter_spectrum

    table = filter_spectrum(args.inputs)
    write_csv(args.out, table)
    log.info("wrote %s (%d rows)", args.out, len(table))
