"""Config validation, the job grid, paths and input functions shared by all rules."""

import json
import os
import re
import shlex
from pathlib import Path

from snakemake.exceptions import WorkflowError

from diffeo_stability.config import (
    export_cli_environment,
    gpus_per_job,
    run_hparams,
    training_runs,
    validate_config,
)
from diffeo_stability.datasets import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.models.registry import ARCHITECTURES

# rules run `python -m diffeo_stability` with the Python running snakemake and this src/
export_cli_environment(Path(workflow.basedir) / "src")

try:
    validate_config(config)
except ConfigError as err:
    raise WorkflowError(str(err)) from None

RUNS = training_runs(config)
GPU_PER_JOB = gpus_per_job(config["device"])  # 0 on a CPU-only machine: --cores N jobs at once
RUN_KEYS = {(r.dataset, r.arch, str(r.P), int(r.seed)): r for r in RUNS}

DATA = "resources/data/{dataset}.npz"
SYNTHETIC = "resources/synthetic/{dataset}"
TRAIN_DIR = "results/train/{dataset}/{arch}/P{P}/seed{seed}"
PROBE = "results/probe/{dataset}/{arch}/P{P}/seed{seed}.parquet"
STRIPE = "results/stripe/d{d}/P{P}/seed{seed}.json"
IMAGENET_PROBE = "results/probe/imagenet/{imagenet_arch}/Pfull/seed0.parquet"
LOGS = "results/logs"
TABLES = "results/tables"


wildcard_constraints:
    dataset="|".join(map(re.escape, DATASETS)),
    arch="|".join(map(re.escape, ARCHITECTURES)),
    P=r"\d+|full",
    seed=r"\d+",
    d=r"\d+",
    imagenet_arch="resnet101|efficientnet_b2",


def run_of(wildcards):
    """The configured run that a (dataset, arch, P, seed) wildcard set refers to."""
    key = (wildcards.dataset, wildcards.arch, wildcards.P, int(wildcards.seed))
    if key not in RUN_KEYS:
        raise WorkflowError(f"{key} is not a run of any experiment in the config")
    return RUN_KEYS[key]


def run_paths(pattern):
    """`pattern` expanded over every configured training run."""
    return [pattern.format(dataset=r.dataset, arch=r.arch, P=r.P, seed=r.seed) for r in RUNS]


def imagenet_probes():
    """ImageNet probe outputs: one per configured weights file, when an image folder is set."""
    if not config["imagenet"]["images"]:
        return []
    return [IMAGENET_PROBE.format(imagenet_arch=arch) for arch in config["imagenet"]["weights"]]


def hparams_json(wildcards):
    """The resolved hyper-parameters of a run, as one shell-quoted JSON argument."""
    return shlex.quote(json.dumps(run_hparams(config, run_of(wildcards)), sort_keys=True))


def cli_options(options):
    """{'h': 100, 'loss': 'hinge'} -> "--h 100 --loss hinge" (shell-quoted)."""
    return " ".join(
        f"--{key.replace('_', '-')} {shlex.quote(str(value))}"
        for key, value in sorted(options.items())
    )


def write_argsfile(path, items):
    """Write one argument per line (read back with argparse's @file syntax)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(f"{item}\n" for item in items))


# data.smk
def fetch_inputs(wildcards):
    """Synthetic datasets are generated first; real ones come from mirrors or downloads."""
    if DATASETS[wildcards.dataset].synthetic:
        return {"originals": SYNTHETIC}
    return {}


def fetch_sources(wildcards, input):
    sources = [*config["data"]["mirrors"]]
    if "originals" in input.keys():
        sources = [input.originals]
    options = " ".join(f"--mirror {shlex.quote(s)}" for s in sources)
    if not config["data"]["download"] or "originals" in input.keys():
        options += " --no-download"
    return options


# train.smk
def weights_option(wildcards):
    path = config["training"]["weights"].get(wildcards.arch)
    return f"--weights {shlex.quote(path)}" if path else ""


# figures.smk
def figure_options(name):
    """--set arguments of one figure: its configured options plus the global note."""
    options = dict(config["figures"]["options"].get(name, {}))
    if config["figures"]["note"]:
        options.setdefault("note", config["figures"]["note"])
    pairs = [shlex.quote(f"{key}={value}") for key, value in sorted(options.items())]
    return f"--set {' '.join(pairs)}" if pairs else ""


def figure_targets():
    return [f"{FIGURES_DIR}/{stem}.{ext}" for stem, _, _ in FIGURE_SPECS.values() for ext in ("pdf", "png")]
