"""`diffeo-stability training-time --out results/tables/training_time.csv PROBE.parquet ...`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.io import write_csv
from diffeo_stability.mechanisms.training_time import training_time_table

HELP = (
    "collect the probes of runs' snapshots (probe --snapshot) into one CSV table: R_f, D_f, "
    "G_f and test error per run and epoch"
)
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument("inputs", nargs="+", help="snapshot probes (.parquet) of `probe`")


def run(args: argparse.Namespace) -> None:
    table = training_time_table(args.inputs)
    write_csv(args.out, table)
    log.info("wrote %s (%d rows)", args.out, len(table))
