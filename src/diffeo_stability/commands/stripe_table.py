"""`diffeo-stability stripe-table --out results/tables/stripe.csv RUN.json ...`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from diffeo_stability.io import write_csv
from diffeo_stability.tables.stripe import stripe_table

HELP = "collect stripe-model run JSONs into one CSV table (one row per run)"
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument("inputs", nargs="+", help="run JSONs written by `stripe`")


def run(args: argparse.Namespace) -> None:
    table = stripe_table([Path(p) for p in args.inputs])
    write_csv(args.out, table)
    log.info("wrote %s (%d runs)", args.out, len(table))
