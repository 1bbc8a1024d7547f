"""`diffeo-stability stripe --d 30 --P 1024 --seed 0 --out results/stripe/.../seed0.json`."""

from __future__ import annotations

import argparse
import logging
from dataclasses import fields

from diffeo_stability.io import write_json
from diffeo_stability.stripe.config import DTYPES, LOSSES, StripeConfig
from diffeo_stability.stripe.model import run_stripe

HELP = "train one stripe-model net (Section 6) and write its R_f and alignment as JSON"
log = logging.getLogger(__name__)
_DEFAULTS = StripeConfig()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output JSON path")
    parser.add_argument("--d", type=int, default=_DEFAULTS.d, help="input dimension")
    parser.add_argument("--P", type=int, default=_DEFAULTS.P, help="training-set size")
    parser.add_argument("--seed", type=int, default=_DEFAULTS.seed)
    parser.add_argument("--h", type=int, default=_DEFAULTS.h, help="hidden width")
    parser.add_argument("--alpha", type=float, default=_DEFAULTS.alpha, help="F = alpha (f - f0)")
    parser.add_argument("--loss", choices=LOSSES, default=_DEFAULTS.loss)
    parser.add_argument("--lr", type=float, default=_DEFAULTS.lr, help="GD learning rate")
    parser.add_argument("--max-steps", type=int, default=_DEFAULTS.max_steps, help="step cap")
    parser.add_argument(
        "--noise", type=float, default=_DEFAULTS.noise, help="||nu|| = ||eta|| (input units)"
    )
    parser.add_argument("--n-test", type=int, default=_DEFAULTS.n_test, help="fresh test points")
    parser.add_argument(
        "--boost",
        type=float,
        default=_DEFAULTS.boost,
        help="late-phase step multiplier cap min(boost, P / n_unfitted); 1 = plain GD",
    )
    parser.add_argument("--dtype", choices=DTYPES, default=_DEFAULTS.dtype, help="float precision")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")


def run(args: argparse.Namespace) -> None:
    # every StripeConfig field is a command-line option of the same name
    config = StripeConfig(
        **{field.name: getattr(args, field.name) for field in fields(StripeConfig)}
    )
    record = run_stripe(config)
    if not record["fitted"]:
        log.warning(
            "P=%d seed=%d: training set not fitted after %d steps",
            args.P,
            args.seed,
            record["steps"],
        )
    write_json(args.out, record)
    log.info("wrote %s: R_f=%.3g, test error %.3f", args.out, record["R"], record["test_error"])
