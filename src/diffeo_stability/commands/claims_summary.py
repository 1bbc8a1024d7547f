"""`diffeo-stability claims-summary --claims claims.csv --readme README.md [--block NAME]
[--check]`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from diffeo_stability.errors import DataError
from diffeo_stability.io import atomic_path
from diffeo_stability.tables.claims.summary import (
    current_block,
    read_claims,
    replace_block,
    summary_block,
)

HELP = (
    "write the one-row-per-claim summary of a claims table into a Markdown file, between its "
    "claims-summary markers (--check: only say whether it is up to date)"
)
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--claims", type=Path, required=True, help="claims.csv of `claims`")
    parser.add_argument("--readme", type=Path, required=True, help="the Markdown file to update")
    parser.add_argument(
        "--block",
        default="",
        help="the name of the block to rewrite, for a second experiment's summary in the same "
        "file (its markers carry the name, e.g. cpu-long); default: the unnamed block",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; fail if the block is out of date"
    )


def run(args: argparse.Namespace) -> None:
    block = summary_block(read_claims(args.claims), args.block)
    text = args.readme.read_text()
    if args.check:
        if current_block(text, str(args.readme), args.block) != block:
            raise DataError(
                f"{args.readme}: the claims summary differs from {args.claims}; rerun without "
                "--check to rewrite it"
            )
        log.info("%s: the claims summary is up to date", args.readme)
        return
    with atomic_path(args.readme) as tmp:
        tmp.write_text(replace_block(text, block, str(args.readme), args.block))
    log.info("wrote the claims summary of %s into %s", args.claims, args.readme)
