"""`diffeo-stability probe --run-dir DIR --data PATH.npz --out PATH.parquet ...`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.device import pick_device, retain_freed_memory
from diffeo_stability.diffeo.fields import CUTOFF_RULES
from diffeo_stability.io import write_parquet
from diffeo_stability.probe.measure import N_PROBE, ProbeSettings

HELP = (
    "measure D_f, G_f, R_f of a run's initial and trained networks, or of some of its snapshots "
    "(one parquet file)"
)
log = logging.getLogger(__name__)


def add_probe_settings(parser: argparse.ArgumentParser, defaults: ProbeSettings) -> None:
    """Options shared with `probe-imagenet` (images, c, interpolations, delta points, sweep,
    noise norms, layers), their defaults those of `defaults` and `N_PROBE`."""
    parser.add_argument("--n-probe", type=int, default=N_PROBE, help="first N test images")
    parser.add_argument(
        "--cutoffs", type=float, nargs="+", default=list(defaults.cutoffs), help="values of c"
    )
    parser.add_argument("--interpolations", nargs="+", default=list(defaults.interpolations))
    parser.add_argument(
        "--delta",
        type=float,
        nargs="+",
        default=list(defaults.deltas),
        help="displacements (pixels) of the single points (per-layer rows)",
    )
    parser.add_argument(
        "--sweep-points", type=int, default=defaults.sweep_points, help="0: no delta sweep"
    )
    parser.add_argument(
        "--sweep-range",
        type=float,
        nargs=2,
        default=list(defaults.sweep_range),
        metavar=("A", "B"),
        help="sweep from T_min * A to T_max * B",
    )
    parser.add_argument("--cutoff-rule", default=defaults.cutoff_rule, choices=CUTOFF_RULES)
    parser.add_argument(
        "--noise-norms", nargs="+", default=list(defaults.noise_norms), help="per_image and/or mean"
    )
    parser.add_argument(
        "--layers",
        action="store_true",
        default=defaults.per_layer,
        help="also every block (delta points)",
    )
    parser.add_argument(
        "--max-batch",
        type=int,
        default=defaults.max_batch,
        help="images per forward pass (default: probe.forward_batch of the device)",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")


def settings_from_args(args: argparse.Namespace) -> ProbeSettings:
    """`ProbeSettings` from the options of `add_probe_settings`."""
    return ProbeSettings(
        cutoffs=tuple(args.cutoffs),
        interpolations=tuple(args.interpolations),
        deltas=tuple(args.delta),
        sweep_points=args.sweep_points,
        sweep_range=tuple(args.sweep_range),
        cutoff_rule=args.cutoff_rule,
        noise_norms=tuple(args.noise_norms),
        per_layer=args.layers,
        max_batch=args.max_batch,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", required=True, help="training run with init.pt, trained.pt")
    parser.add_argument("--data", required=True, help="dataset .npz (first test images probed)")
    parser.add_argument("--out", required=True, help="output .parquet")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--P", required=True, help="training-set size or 'full'")
    parser.add_argument("--seed", type=int, required=True, help="seed of the run and the draws")
    parser.add_argument(
        "--snapshots",
        type=int,
        nargs="+",
        default=[],
        metavar="E",
        help="probe instead the nets kept after these epochs (snapshots/epoch<E>.pt; 0: "
        "init.pt), rows with an epoch column",
    )
    add_probe_settings(parser, ProbeSettings())


def run(args: argparse.Namespace) -> None:
    from diffeo_stability.probe.training_run import probe_training_run

    retain_freed_memory()
    rows = probe_training_run(
        args.run_dir,
        args.data,
        settings_from_args(args),
        dataset=args.dataset,
        arch=args.arch,
        P=args.P,
        seed=args.seed,
        n_probe=args.n_probe,
        device=pick_device(args.device),
        snapshots=args.snapshots,
    )
    write_parquet(args.out, rows)
    log.info("wrote %s (%d rows)", args.out, len(rows))
