"""`diffeo-stability preflight --configfile CONFIG [--device D] [--steps N]`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from diffeo_stability.errors import ConfigError, DiffeoStabilityError

HELP = (
    "before a long run: per architecture of the config, a short training burst with the "
    "configured options on this machine's device checked against float32 eager on the CPU, "
    "throughput, and the estimated compute of the whole config; exit status 1 on any failure"
)


class PreflightFailed(DiffeoStabilityError):
    """Some architectures of the config failed their preflight check."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--configfile", required=True, type=Path, help="workflow config (YAML)")
    parser.add_argument("--device", default=None, help="auto | cpu | cuda[:N] (default: config)")
    parser.add_argument("--steps", type=int, default=3, help="training steps per burst")


def load_config(path: Path) -> dict:
    """The YAML config at `path`, validated with its defaults filled in."""
    from diffeo_stability.workflow import validate_workflow_config

    if not path.is_file():
        raise ConfigError(f"config file {path} not found")
    with open(path) as handle:
        config = yaml.safe_load(handle)
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: not a YAML mapping of config keys")
    try:
        return validate_workflow_config(config)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


def run(args: argparse.Namespace) -> None:
    from diffeo_stability.device import pick_device
    from diffeo_stability.preflight import cost
    from diffeo_stability.preflight.check import report, run_preflight

    config = load_config(args.configfile)
    device = pick_device(args.device or config["device"])
    results = run_preflight(config, device, args.steps)
    startup = cost.startup_hours(config)
    cores = len(os.sched_getaffinity(0))
    print(report(results, device, str(args.configfile), startup, cores), flush=True)
    failed = [f"{r.arch} ({r.error})" for r in results if not r.ok]
    if failed:
        raise PreflightFailed(f"preflight of {args.configfile} failed for: {'; '.join(failed)}")
