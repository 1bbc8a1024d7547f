"""Command-line entry point: `diffeo-stability <command> ...`.

Each command lives in `diffeo_stability.commands.<module>` and defines `HELP: str`,
`add_arguments(parser)` and `run(args) -> None`. Modules are imported lazily so that
`diffeo-stability --help` does not pay for importing torch.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from diffeo_stability.errors import DiffeoStabilityError

# command name -> (module under diffeo_stability.commands, one-line summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "synth-data": ("synth_data", "write a synthetic dataset in its original file format"),
    "fetch-data": ("fetch_data", "find, verify (md5) and convert a dataset to .npz"),
    "params": ("params", "print the parameter count of every architecture"),
    "train": ("train", "train one (dataset, arch, P, seed) run, resumable"),
    "probe": ("probe", "measure D_f, G_f, R_f of a run's initial and trained nets or a snapshot"),
    "probe-imagenet": ("probe_imagenet", "probe pretrained ImageNet nets on an image folder"),
    "aggregate": ("aggregate", "tidy tables over runs and geometric means over seeds"),
    "mechanisms": ("mechanisms", "one analysis of the mechanisms stage (group-meeting slides)"),
    "mechanisms-table": ("mechanisms_table", "collect one mechanisms analysis over runs"),
    "mechanisms-summary": (
        "mechanisms_summary",
        "a few numbers per net from the mechanisms tables",
    ),
    "stripe": ("stripe", "train and probe one stripe-model network"),
    "stripe-table": ("stripe_table", "collect stripe-model runs into one table"),
    "training-time": ("training_time", "collect the probes of snapshots into one table"),
    "filter-spectrum": ("filter_spectrum", "3x3 filter energy per Laplacian eigenvalue, per epoch"),
    "figure": ("figure", "draw one figure (PDF + PNG) from its inputs"),
    "redraw": ("redraw", "redraw every figure of a directory of tables (PNG)"),
    "claims": ("claims", "check the paper's quantitative claims against the tables"),
    "claims-summary": ("claims_summary", "the README's one-row-per-claim summary of claims.csv"),
    "preflight": ("preflight", "check a config on this machine and estimate its compute"),
    "neuron-stability": (
        "neuron_stability",
        "stability of single neurons to local translations, rotations, compressions, shears",
    ),
}


def _load(name: str):
    return importlib.import_module(f"diffeo_stability.commands.{COMMANDS[name][0]}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Parser with every sub-command listed; only `command` (if given) gets its arguments."""
    parser = argparse.ArgumentParser(prog="diffeo-stability", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        if name == command:
            module = _load(name)
            module.add_arguments(sub.add_parser(name, help=summary, description=module.HELP))
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a in COMMANDS), None)
    args = build_parser(command).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # floods INFO when saving PDFs
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        _load(args.command).run(args)
    except DiffeoStabilityError as err:
        logging.getLogger("diffeo_stability").error("%s", err)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
