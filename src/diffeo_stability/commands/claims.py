"""`diffeo-stability claims --logavg ... --training ... --stripe ... --out claims.csv`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from diffeo_stability.io import atomic_path
from diffeo_stability.tables.claims import (
    claims_markdown,
    evaluate_claims,
    synthetic_line,
)
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import read_table

HELP = "check the paper's quantitative claims against the aggregated tables (CSV + Markdown)"
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--logavg", type=Path, required=True, help="results/tables/logavg.csv")
    parser.add_argument("--training", type=Path, help="results/tables/training.csv (epochs)")
    parser.add_argument("--stripe", type=Path, help="results/tables/stripe.csv")
    parser.add_argument(
        "--seeds", type=Path, help="results/tables/seeds.csv (per-seed values: intervals)"
    )
    parser.add_argument("--out", type=Path, required=True, help="claims CSV to write")
    parser.add_argument("--markdown", type=Path, help="Markdown rendering to write")
    parser.add_argument(
        "--headline",
        default="{}",
        help="JSON object of the headline convention (tables.headline.Headline fields: "
        "statistic, noise_norm, interpolation, c, delta, cutoff_rule); absent ones: Headline's",
    )


def run(args: argparse.Namespace) -> None:
    """Absent tables are allowed: their claims are reported as 'not tested'. On synthetic data
    both files start with a SYNTHETIC line (in the CSV a '# ' comment: read with comment='#')."""
    for name in ("logavg", "training", "stripe", "seeds"):
        path = getattr(args, name)
        if path is not None and not path.is_file():
            log.warning("%s table %s is absent: its claims are 'not tested'", name, path)
    probe = Headline.from_json(args.headline, "--headline")
    logavg = read_table(args.logavg)
    training, stripe, seeds = (read_table(p) for p in (args.training, args.stripe, args.seeds))
    claims = evaluate_claims(logavg, training, stripe, probe, seeds)
    first_line = synthetic_line(logavg)
    with atomic_path(args.out) as tmp:  # a synthetic run says so in a '# ' first line
        tmp.write_text((f"# {first_line}\n" if first_line else "") + claims.to_csv(index=False))
    log.info("wrote %s (%s)", args.out, claims["holds"].value_counts().to_dict())
    if args.markdown is not None:
        with atomic_path(args.markdown) as tmp:
            tmp.write_text(claims_markdown(claims, probe.describe(), first_line))
        log.info("wrote %s", args.markdown)
