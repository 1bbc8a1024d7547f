"""`diffeo-stability aggregate --probe FILES... --metrics FILES... --out-stability ...`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.io import write_csv, write_parquet

HELP = "tidy stability table, geometric means over seeds and training table (accepts @argsfile)"
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.fromfile_prefix_chars = "@"  # @FILE: one argument per line (thousands of inputs)
    parser.add_argument("--probe", nargs="+", required=True, help="probe .parquet files")
    parser.add_argument("--metrics", nargs="*", default=[], help="training metrics.json files")
    parser.add_argument("--out-stability", required=True, help="output .parquet (all rows)")
    parser.add_argument("--out-logavg", required=True, help="output .csv (means over seeds)")
    parser.add_argument("--out-training", required=True, help="output .csv (one row per run)")
    parser.add_argument(
        "--out-seeds", required=True, help="output .csv (output-layer rows, one per seed)"
    )


def run(args: argparse.Namespace) -> None:
    from diffeo_stability.tables.aggregate import (
        log_average,
        seed_table,
        stability_table,
        training_table,
    )

    stability = stability_table(args.probe)
    write_parquet(args.out_stability, stability)
    logavg = log_average(stability)
    write_csv(args.out_logavg, logavg)
    write_csv(args.out_seeds, seed_table(stability))
    training = training_table(args.metrics)
    write_csv(args.out_training, training)
    log.info(
        "%d probe rows from %d files -> %d groups; %d training runs",
        len(stability),
        len(args.probe),
        len(logavg),
        len(training),
    )
