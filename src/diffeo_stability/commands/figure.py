"""`diffeo-stability figure NAME --out STEM [--input PATH ...] [--set key=value ...]`."""

from __future__ import annotations

import argparse
import logging

from diffeo_stability.errors import ConfigError
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.figures.style import save_figure

HELP = "draw one figure from its inputs (tables, images) and write STEM.pdf / STEM.png"
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help=f"figure name, one of: {', '.join(sorted(FIGURES))}")
    parser.add_argument("--out", required=True, help="output path without extension")
    parser.add_argument("--input", nargs="*", default=[], help="input files the figure reads")
    parser.add_argument(
        "--set", nargs="*", default=[], metavar="KEY=VALUE", help="figure options (listed below)"
    )
    parser.add_argument("--formats", nargs="+", default=["pdf", "png"])
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "options of each figure (and note, read by every one):\n" + "\n".join(
        f"  {name}: {', '.join(spec.options) or '-'}" for name, spec in FIGURES.items()
    )


def parse_options(pairs: list[str]) -> dict[str, str]:
    """['a=1', 'b=x'] -> {'a': '1', 'b': 'x'}."""
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"option {pair!r} is not of the form key=value")
        options[key] = value
    return options


def run(args: argparse.Namespace) -> None:
    if args.name not in FIGURES:
        raise ConfigError(f"unknown figure {args.name!r}; known: {', '.join(sorted(FIGURES))}")
    figure, options = FIGURES[args.name], parse_options(args.set)
    problems = figure.option_problems(options, f"figure {args.name} --set")
    if problems:
        raise ConfigError("\n".join(problems))
    fig = figure.draw(args.input, options)
    for path in save_figure(fig, args.out, args.formats):
        log.info("wrote %s", path)
