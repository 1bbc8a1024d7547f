"""`diffeo-stability mechanisms ANALYSIS --out PATH.csv [--run-dir DIR --data PATH.npz ...]`."""

from __future__ import annotations

import argparse
import json
import logging

from diffeo_stability.diffeo.fields import CUTOFF_RULES, DEFAULT_CUTOFF_RULE
from diffeo_stability.errors import ConfigError
from diffeo_stability.io import write_csv
from diffeo_stability.mechanisms.settings import ANALYSES, FIELD_ANALYSES, MechanismsSettings

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
    parser.add_argument("--c", type=float, default=3.0, help="cut-off of the diffeos")
    parser.add_argument("--delta", type=float, default=1.0, help="diffeo displacement (pixels)")
    parser.add_argument("--interpolation", default="bilinear")
    parser.add_argument("--cutoff-rule", default=DEFAULT_CUTOFF_RULE, choices=CUTOFF_RULES)
    parser.add_argument("--noise-norms", nargs="+", default=["per_image", "mean"])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")


def _settings(text: str) -> MechanismsSettings:
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"--settings is not JSON: {err}") from None
    return MechanismsSettings.from_mapping(mapping)


def run(args: argparse.Namespace) -> None:
    settings = _settings(args.settings)
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
