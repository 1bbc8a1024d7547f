"""`diffeo-stability aggregate --probe FILES... --metrics FILES... --out-stability ...`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.io import write_csv, write_parquet

HELP = "tidy stability table, geometric means over seeds and training table (accepts @argsfile)"
# the geometric means leave out the runs whose training never learned (training.csv names them)
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
    from diffeo_stability.tables.queries import chance_runs

    stability = stability_table(args.probe)
    write_parquet(args.out_stability, stability)
    training = training_table(args.metrics)
    write_csv(args.out_training, training)
    excluded = chance_runs(training)  # trainings that never learned: out of the means
    logavg = log_average(stability, excluded)
    write_csv(args.out_logavg, logavg)
    write_csv(args.out_seeds, seed_table(stability))
    log.info(
        "%d probe rows from %d files -> %d groups; %d training runs (%d never learned)",
        len(stability),
        len(args.probe),
        len(logavg),
        len(training),
        len(excluded),
    )
