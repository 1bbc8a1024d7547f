"""`diffeo-stability probe --run-dir DIR --data PATH.npz --out PATH.parquet ... --settings JSON`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.device import pick_device, retain_freed_memory
from diffeo_stability.io import write_parquet
from diffeo_stability.probe.settings import ProbeSettings

HELP = "measure D_f, G_f, R_f of a run's initial and trained networks (one parquet file)"
log = logging.getLogger(__name__)


def add_settings_argument(parser: argparse.ArgumentParser) -> None:
    """--settings JSON and --device, shared with `probe-imagenet`."""
    parser.add_argument(
        "--settings",
        default="{}",
        help="JSON object of probe.settings.ProbeSettings fields (n_probe, cutoffs, "
        "interpolations, deltas, sweep_points, sweep_range, cutoff_rule, noise_norms, layers, "
        "max_batch); absent ones keep their defaults",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", required=True, help="training run with init.pt, trained.pt")
    parser.add_argument("--data", required=True, help="dataset .npz (first test images probed)")
    parser.add_argument("--out", required=True, help="output .parquet")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--P", required=True, help="training-set size or 'full'")
    parser.add_argument("--seed", type=int, required=True, help="seed of the run and the draws")
    add_settings_argument(parser)


def run(args: argparse.Namespace) -> None:
    from diffeo_stability.probe.training_run import probe_training_run

    settings = ProbeSettings.from_json(args.settings, "--settings")
    retain_freed_memory()
    rows = probe_training_run(
        args.run_dir,
        args.data,
        settings,
        dataset=args.dataset,
        arch=args.arch,
        P=args.P,
        seed=args.seed,
        device=pick_device(args.device),
    )
    write_parquet(args.out, rows)
    log.info("wrote %s (%d rows)", args.out, len(rows))
