"""`diffeo-stability redraw --config CONFIG --tables DIR --out DIR [--substitute OLD=NEW ...]`:
every figure of the registry whose inputs are in a directory of tables (the layout of the
published `docs/results/<run>/`), drawn with the options the config's workflow gives it, into
the workflow's stems (`<out>/<stem>.png`)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import yaml

from diffeo_stability.commands.figure import parse_options
from diffeo_stability.errors import ConfigError
from diffeo_stability.figures.style import save_figure
from diffeo_stability.workflow import (
    FIGURES,
    Headline,
    built_figures,
    figure_option_values,
    illustration_dataset,
    optional_table_inputs,
    training_runs,
    validate_workflow_config,
)

HELP = (
    "redraw every figure whose tables are in --tables (the layout of docs/results/<run>/: the "
    "tables, mechanisms/<analysis>.csv) with the options the config gives it"
)
log = logging.getLogger(__name__)

#: figure input (`figures.registry.INPUTS`) -> its file in a directory of published tables
TABLE_FILES = {
    "logavg": "logavg.csv",
    "training": "training.csv",
    "stripe": "stripe.csv",
    "training_time": "training_time.csv",
    "filter_spectrum": "filter_spectrum.csv",
    "neuron_stability": "mechanisms/neuron_stability.csv",
    **{
        name: f"mechanisms/{name.removeprefix('mechanisms_')}.csv"
        for name in (
            "mechanisms_distance",
            "mechanisms_operations",
            "mechanisms_spectra",
            "mechanisms_shuffle",
            "mechanisms_filters",
            "mechanisms_diffeo_parts",
        )
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="the run's config (yaml)")
    parser.add_argument("--tables", required=True, type=Path, help="directory of its tables")
    parser.add_argument("--out", required=True, type=Path, help="figures directory")
    parser.add_argument(
        "--substitute",
        nargs="*",
        default=[],
        metavar="OLD=NEW",
        help="data.substitute of the run (e.g. cifar10=cifar10-jpeg)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("resources/data"),
        help="directory of <dataset>.npz (Fig. 2's image; default resources/data)",
    )
    parser.add_argument("--only", nargs="*", default=[], help="figure names (default: all)")
    parser.add_argument("--formats", nargs="+", default=["png"])


def read_config(path: Path, substitute: dict[str, str]) -> dict:
    """The validated config at `path` with `substitute` added to its `data.substitute`."""
    if not path.is_file():
        raise ConfigError(f"--config {path}: no such file")
    config = yaml.safe_load(path.read_text()) or {}
    data = config.setdefault("data", {}) or {}
    data["substitute"] = {**(data.get("substitute") or {}), **substitute}
    config["data"] = data
    return validate_workflow_config(config)


def input_paths(config: dict, tables: Path, data_dir: Path) -> dict[str, Path]:
    """The figure inputs present: the tables in `tables` (those only some configs make when the
    config makes them: `workflow.optional_table_inputs`), Fig. 2's data set in `data_dir`."""
    runs = training_runs(config)
    files = {**TABLE_FILES, **optional_table_inputs(config, runs)}
    paths = {name: tables / file for name, file in files.items()}
    paths["illustration"] = data_dir / f"{illustration_dataset(runs)}.npz"
    return {name: path for name, path in paths.items() if path.is_file()}


def run(args: argparse.Namespace) -> None:
    config = read_config(args.config, parse_options(args.substitute))
    unknown = sorted(set(args.only) - set(FIGURES))
    if unknown:
        raise ConfigError(f"--only: unknown figures {unknown}; known: {', '.join(FIGURES)}")
    paths = input_paths(config, args.tables, args.data_dir)
    headline = Headline.of_config(config)
    drawn = built_figures(paths)
    for figure in FIGURES.values():
        if figure not in drawn:
            absent = [name for name in figure.inputs if name not in paths]
            log.info("%s not drawn: no %s", figure.name, ", ".join(absent))
    for figure in (f for f in drawn if not args.only or f.name in args.only):
        options = figure_option_values(figure.name, headline, config["figures"])
        fig = figure.draw([paths[name] for name in figure.inputs], options)
        for path in save_figure(fig, str(args.out / figure.stem), args.formats):
            log.info("wrote %s", path)
