"""`diffeo-stability mechanisms-summary --out summary.csv TABLE.csv ...`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from diffeo_stability.io import write_csv
from diffeo_stability.tables.mechanisms import summary
from diffeo_stability.tables.queries import read_table

HELP = (
    "a few numbers per net from the mechanisms tables (the analysis is the file's stem, "
    "e.g. distance.csv), for the README's sentences"
)
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument("--statistic", default="median", help="statistic of the R_f quoted")
    parser.add_argument("--noise-norm", default="per_image", help="noise norm of the R_f quoted")
    parser.add_argument("--delta", type=float, default=1.0, help="where R_f is measured")
    parser.add_argument("inputs", nargs="+", help="tables of `mechanisms-table`")


def run(args: argparse.Namespace) -> None:
    tables = {Path(path).stem: read_table(Path(path)) for path in args.inputs}
    table = summary(tables, args.statistic, args.noise_norm, args.delta)
    write_csv(args.out, table)
    log.info("wrote %s (%d rows)", args.out, len(table))
