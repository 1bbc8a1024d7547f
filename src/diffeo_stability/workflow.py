"""The one module the Snakefile and its rules import (`workflow/rules/common.smk`): config
validation with the workflow's own checks, the job grid, each rule's arguments as shell-quoted
strings, the default experiment (`default_experiment`) and the stopping of jobs
(`forward_sigterm`).

Torch-free. The only place where the config and the figures registry meet: `config` never
imports `figures`, and `figures` never imports `config`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from diffeo_stability.config import (
    OPTIONAL_TABLES,
    Run,
    check_device,
    default_results_root,
    export_cli_environment,
    gpus_per_job,
    has_augmentations,
    has_budgets,
    mechanisms_settings,
    optional_table_inputs,
    probes_adversarial,
    retype_overrides,
    run_hparams,
    run_probe_settings,
    training_runs,
    training_time_runs,
    trains_local_nets,
    validate_config,
)
from diffeo_stability.config.scale import scale_caption
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.figures.registry import FIGURES, built_figures
from diffeo_stability.mechanisms.neuron_settings import neuron_stability_settings
from diffeo_stability.mechanisms.settings import (
    FIELD_ANALYSES,
    NET_ANALYSES,
    selected_runs,
)
from diffeo_stability.mechanisms.training_time_settings import TrainingTimeSettings
from diffeo_stability.models.registry import ARCH_PATTERN, ARCHITECTURES
from diffeo_stability.preflight.cost import long_run_warning
from diffeo_stability.preflight.default_experiment import default_experiment
from diffeo_stability.probe.settings import ImagenetSettings, ProbeSettings
from diffeo_stability.stopping import forward_sigterm
from diffeo_stability.tables.headline import Headline

__all__ = [
    "ARCHITECTURES",
    "ARCH_PATTERN",
    "DATASETS",
    "FIELD_ANALYSES",
    "FIGURES",
    "OPTIONAL_TABLES",
    "NET_ANALYSES",
    "ConfigError",
    "Headline",
    "Run",
    "built_figures",
    "check_device",
    "cli_options",
    "default_experiment",
    "default_results_root",
    "export_cli_environment",
    "figure_option_values",
    "figure_options",
    "forward_sigterm",
    "gpus_per_job",
    "has_augmentations",
    "has_budgets",
    "headline_option",
    "hparams_option",
    "illustration_dataset",
    "imagenet_settings_option",
    "long_run_warning",
    "neuron_stability_option",
    "optional_table_inputs",
    "neuron_stability_settings",
    "mechanism_runs",
    "mechanisms_settings_option",
    "probe_settings_option",
    "probes_adversarial",
    "retype_overrides",
    "run_constraints",
    "scale_caption",
    "snapshot_probe_settings_option",
    "snapshot_runs",
    "train_priority",
    "train_rules",
    "training_runs",
    "training_time_runs",
    "trains_local_nets",
    "validate_workflow_config",
]


def figure_option_problems(config: dict[str, Any]) -> list[str]:
    """figures.options: known figures, and only keys their `draw` reads."""
    problems = []
    for name, options in config["figures"]["options"].items():
        if name not in FIGURES:
            problems.append(
                f"figures.options: unknown figure {name!r}; known: {', '.join(FIGURES)}"
            )
            continue
        problems += FIGURES[name].option_problems(options, f"figures.options.{name}")
    return problems


def validate_workflow_config(config: dict[str, Any]) -> dict[str, Any]:
    """`config.validate_config` with the figure options checked too."""
    return validate_config(config, checks=(figure_option_problems,))


def hparams_option(config: dict[str, Any], run: Run) -> str:
    """`--hparams JSON` of the train command: the run's resolved `HParams`."""
    return f"--hparams {shlex.quote(run_hparams(config, run).to_json())}"


def snapshot_runs(config: dict[str, Any]) -> dict[Run, tuple[int, ...]]:
    """run -> its snapshot_epochs, for the configured runs that keep snapshots."""
    return {
        run: epochs
        for run in training_runs(config)
        if (epochs := run_hparams(config, run).snapshot_epochs)
    }


def train_rules(config: dict[str, Any]) -> list[tuple[str, Run | None, tuple[int, ...]]]:
    """(rule name, run, snapshot epochs) of every train rule: `train` (run None, no snapshots)
    for the runs without snapshots, and one rule per run with snapshots, whose outputs name
    them (a deleted snapshot retrains that run only)."""
    rules: list[tuple[str, Run | None, tuple[int, ...]]] = [("train", None, ())]
    for run, epochs in snapshot_runs(config).items():
        name = f"train_{run.dataset}_{run.arch}_P{run.P}{run.variant}_seed{run.seed}"
        name = re.sub(r"\W", "_", name)
        rules.append((name, run, epochs))
    return rules


def train_priority(run: Run | None) -> int:
    """Scheduling priority of a train rule: 1 for the rule of a run with a budget (a run with
    snapshots has a rule of its own: the longest runs of config/cpu-long.yaml), so that the
    longest jobs start first instead of last; 0 otherwise."""
    return int(run is not None and run.epochs is not None)


def run_constraints(run: Run | None) -> dict[str, str]:
    """Wildcard constraints (regular expressions) that match `run` only; none for None."""
    if run is None:
        return {}
    # an empty value (no budget or option): a regular expression that matches only the empty
    # string; the budget and option are matched through the run's `variant` path segments
    return {
        key: re.escape(str(value)) or "(?:)"
        for key, value in run.wildcards().items()
        if key not in ("epochs", "augmentation")
    }


def probe_settings_option(config: dict[str, Any], run: Run) -> str:
    """`--settings JSON` of the probe command: the run's `ProbeSettings`."""
    return f"--settings {shlex.quote(run_probe_settings(config, run).to_json())}"


def snapshot_probe_settings_option(config: dict[str, Any]) -> str:
    """`--settings JSON` of the probe command of a run's snapshots: the headline point only, on
    the `mechanisms.training_time` block's n_probe images (`TrainingTimeSettings`)."""
    block = TrainingTimeSettings.from_config(config["mechanisms"]["training_time"])
    probe = ProbeSettings.from_config(config["probe"])
    settings = block.probe_settings(probe, Headline.of_config(config))
    return f"--settings {shlex.quote(settings.to_json())}"


def imagenet_settings_option(config: dict[str, Any]) -> str:
    """`--settings JSON --size N` of the probe-imagenet command."""
    imagenet = ImagenetSettings.from_config(config["imagenet"])
    settings = imagenet.probe_settings(ProbeSettings.from_config(config["probe"]))
    return f"--settings {shlex.quote(settings.to_json())} --size {imagenet.size}"


def mechanism_runs(config: dict[str, Any], runs: list[Run]) -> list[Run]:
    """The runs the mechanisms stage measures (`mechanisms.settings.selected_runs`)."""
    return selected_runs(mechanisms_settings(config), runs)


def mechanisms_settings_option(config: dict[str, Any]) -> str:
    """`--settings JSON` of the mechanisms command: the `MechanismsSettings`."""
    return f"--settings {shlex.quote(mechanisms_settings(config).to_json())}"


def headline_option(headline: Headline) -> str:
    """`--headline JSON` of the claims command."""
    return f"--headline {shlex.quote(headline.to_json())}"


def figure_option_values(
    name: str, headline: Headline, figures: Mapping[str, Any]
) -> dict[str, str]:
    """The options of one figure: the headline convention (the keys the figure reads), its
    configured options (`figures` is the config's `figures` section; they win) and the note
    (only to the figures that read one). Used by the figure rules and `diffeo-stability
    redraw`."""
    options = {k: v for k, v in headline.options().items() if k in FIGURES[name].keys}
    options |= {k: str(v) for k, v in figures["options"].get(name, {}).items()}
    if figures["note"] and "note" in FIGURES[name].keys:
        options.setdefault("note", figures["note"])
    return options


def figure_options(name: str, headline: Headline, figures: Mapping[str, Any]) -> str:
    """--set arguments of one figure (`figure_option_values`, shell-quoted)."""
    options = figure_option_values(name, headline, figures)
    pairs = [shlex.quote(f"{key}={value}") for key, value in sorted(options.items())]
    return f"--set {' '.join(pairs)}" if pairs else ""


def illustration_dataset(runs: Iterable[Run]) -> str:
    """The data set of Fig. 2's test image: the first of the registry that `runs` train on."""
    used = {run.dataset for run in runs}
    return next(name for name in DATASETS if name in used)


def neuron_stability_option(config: dict[str, Any]) -> str:
    """`--settings JSON` of the neuron-stability command: the config's
    `mechanisms.neuron_stability` block (sorted keys: a config rewritten in another key order
    does not rerun it)."""
    block = config["mechanisms"]["neuron_stability"]
    return f"--settings {shlex.quote(json.dumps(block, sort_keys=True))}"


def cli_options(options: Mapping[str, Any]) -> str:
    """{'h': 100, 'loss': 'hinge'} -> "--h 100 --loss hinge" (shell-quoted)."""
    return " ".join(
        f"--{key.replace('_', '-')} {shlex.quote(str(value))}"
        for key, value in sorted(options.items())
    )
