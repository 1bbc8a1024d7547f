"""`diffeo-stability mechanisms ANALYSIS --out PATH.csv [--run-dir DIR --data PATH.npz ...]`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.diffeo.names import CUTOFF_RULES, INTERPOLATIONS
from diffeo_stability.errors import ConfigError
from diffeo_stability.io import write_csv
from diffeo_stability.mechanisms.settings import ANALYSES, FIELD_ANALYSES, MechanismsSettings
from diffeo_stability.probe.settings import NOISE_NORMS, ProbeSettings
from diffeo_stability.tables.headline import Headline

HELP = (
    "one analysis of the mechanisms stage (the group-meeting slides): of a training run's "
    "initial and trained nets, or (diffeo_parts) of the diffeo ensemble alone; one CSV table"
)
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("analysis", choices=ANALYSES)
    parser.add_argument("--out", required=True, help="output CSV")
    parser.add_argument(
        "--settings",
        default="{}",
        help="the config's `mechanisms` block as JSON (absent keys: the defaults of "
        "mechanisms/settings.py)",
    )
    parser.add_argument("--run-dir", help="training run with init.pt, trained.pt")
    parser.add_argument("--data", help="dataset .npz (its first test images are used)")
    parser.add_argument("--dataset", help="data set name (a column of the table)")
    parser.add_argument("--arch", help="architecture (a column of the table)")
    parser.add_argument("--P", help="training-set size or 'full' (a column of the table)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run and of the draws")
    convention = parser.add_argument_group(
        "the convention of R_f (the workflow passes the config's headline; defaults: the "
        "default headline and probe settings)"
    )
    convention.add_argument("--c", type=float, default=Headline.c, help="cut-off of the diffeos")
    convention.add_argument(
        "--delta", type=float, default=Headline.delta, help="diffeo displacement (pixels)"
    )
    convention.add_argument(
        "--interpolation", default=Headline.interpolation, choices=INTERPOLATIONS
    )
    convention.add_argument(
        "--cutoff-rule", default=ProbeSettings.cutoff_rule, choices=CUTOFF_RULES
    )
    convention.add_argument(
        "--noise-norms", nargs="+", default=list(ProbeSettings.noise_norms), choices=NOISE_NORMS
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")


def run(args: argparse.Namespace) -> None:
    settings = MechanismsSettings.from_json(args.settings, "--settings")
    if args.analysis in FIELD_ANALYSES:
        from diffeo_stability.mechanisms.diffeo_parts import measure_parts

        rows = measure_parts(
            settings.diffeo_parts, delta=args.delta, cutoff=args.cutoff_rule, seed=args.seed
        )
    else:
        missing = [k for k in ("run_dir", "data", "dataset", "arch", "P") if not getattr(args, k)]
        if missing:
            options = ", ".join("--" + k.replace("_", "-") for k in missing)
            raise ConfigError(f"analysis {args.analysis} of a training run needs {options}")
        from diffeo_stability.device import pick_device, retain_freed_memory
        from diffeo_stability.mechanisms.nets import Convention
        from diffeo_stability.mechanisms.run import measure_run

        retain_freed_memory()
        convention = Convention(
            c=args.c,
            delta=args.delta,
            interpolation=args.interpolation,
            cutoff_rule=args.cutoff_rule,
            noise_norms=tuple(args.noise_norms),
        )
        rows = measure_run(
            args.analysis,
            args.run_dir,
            args.data,
            settings,
            convention,
            dataset=args.dataset,
            arch=args.arch,
            P=args.P,
            seed=args.seed,
            device=pick_device(args.device),
        )
    write_csv(args.out, rows)
    log.info("wrote %s (%d rows)", args.out, len(rows))
