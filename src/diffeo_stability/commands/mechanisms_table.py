"""`diffeo-stability mechanisms-table --out results/tables/mechanisms/ANALYSIS.csv RUN.csv ...`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from diffeo_stability.io import write_csv
from diffeo_stability.tables.mechanisms import collect

HELP = "collect the per-run tables of one mechanisms analysis into one CSV table"
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument("inputs", nargs="*", help="per-run CSVs written by `mechanisms`")


def run(args: argparse.Namespace) -> None:
    table = collect([Path(p) for p in args.inputs])
    write_csv(args.out, table)
    log.info("wrote %s (%d rows from %d runs)", args.out, len(table), len(args.inputs))
