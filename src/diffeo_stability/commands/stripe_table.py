"""`diffeo-stability stripe-table --out results/tables/stripe.csv RUN.json ...`."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pandas as pd

from diffeo_stability.errors import DataError
from diffeo_stability.io import read_checked, write_csv

HELP = "collect stripe-model run JSONs into one CSV table (one row per run)"
log = logging.getLogger(__name__)

#: the contract with the figures: these columns first, in this order
COLUMNS = [
    "d",
    "P",
    "seed",
    "h",
    "alpha",
    "R",
    "alignment_perp",
    "train_error",
    "test_error",
    "steps",
    "wall_time_s",
]
#: further columns kept when present
EXTRA = [
    "D",
    "G",
    "alignment_perp_init",
    "fitted",
    "loss",
    "lr",
    "boost",
    "dtype",
    "max_steps",
    "noise",
    "n_test",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument("inputs", nargs="+", help="run JSONs written by `stripe`")


def stripe_table(paths: list[Path]) -> pd.DataFrame:
    """One row per run JSON, sorted by (d, P, seed); raises DataError naming a bad file."""
    rows = []
    for path in paths:
        record = read_checked(path, lambda p: json.loads(p.read_text()), "stripe run")
        missing = [key for key in COLUMNS if key not in record]
        if missing:
            raise DataError(f"stripe run {path} lacks keys {missing}")
        rows.append({key: record[key] for key in COLUMNS + EXTRA if key in record})
    return pd.DataFrame(rows).sort_values(["d", "P", "seed"], ignore_index=True)


def run(args: argparse.Namespace) -> None:
    table = stripe_table([Path(p) for p in args.inputs])
    write_csv(args.out, table)
    log.info("wrote %s (%d runs)", args.out, len(table))
