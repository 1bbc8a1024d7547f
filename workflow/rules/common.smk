"""Config validation, the job grid, paths and input functions shared by all rules."""

import json
import os
import re
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

from diffeo_stability.config import (
    default_results_root,
    check_device,
    export_cli_environment,
    retype_overrides,
    gpus_per_job,
    run_hparams,
    run_probe_settings,
    training_runs,
    validate_config,
)
from diffeo_stability.preflight.cost import long_run_warning
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.tables.headline import Headline
from diffeo_stability.models.registry import ARCH_PATTERN

# rules run `python -m diffeo_stability` with the Python running snakemake and this src/
export_cli_environment(Path(workflow.basedir) / "src")

config.setdefault("results", default_results_root(workflow.configfiles))
retype_overrides(config, dict(workflow.config_settings.config))
try:
    validate_config(config)
    if workflow.local_exec:  # cluster jobs run where the GPUs are, not on the login node
        check_device(config["device"])
except ConfigError as err:
    raise WorkflowError(str(err)) from None

# the config file: the last one given (see Snakefile)
CONFIGFILE = (
    os.path.relpath(workflow.configfiles[-1]) if workflow.configfiles else "config/config.yaml"
)
_long_run = long_run_warning(config, CONFIGFILE)
if _long_run:
    logger.warning(f"WARNING: {_long_run}")

RUNS = training_runs(config)
GPU_PER_JOB = gpus_per_job(config["device"])  # 0 on a CPU-only machine: --cores N jobs at once
RUN_KEYS = {(r.dataset, r.arch, str(r.P), int(r.seed)): r for r in RUNS}

DATA = "resources/data/{dataset}.npz"
SYNTHETIC = "resources/synthetic/{dataset}"
# every config writes under its own results root, so configs never overwrite each other
RESULTS = config["results"].rstrip("/")
TRAIN_DIR = f"{RESULTS}/train/{{dataset}}/{{arch}}/P{{P}}/seed{{seed}}"
PROBE = f"{RESULTS}/probe/{{dataset}}/{{arch}}/P{{P}}/seed{{seed}}.parquet"
STRIPE = f"{RESULTS}/stripe/d{{d}}/P{{P}}/seed{{seed}}.json"
IMAGENET_PROBE = f"{RESULTS}/probe/imagenet/{{imagenet_arch}}/Pfull/seed0.parquet"
LOGS = f"{RESULTS}/logs"
TABLES = f"{RESULTS}/tables"


wildcard_constraints:
    dataset="|".join(map(re.escape, DATASETS)),
    arch=ARCH_PATTERN,
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


def intermediate_outputs():
    """Every training, probe, stripe and ImageNet probe output of the config."""
    names = ("init.pt", "trained.pt", "last.pt", "metrics.json")
    patterns = [*(f"{TRAIN_DIR}/{name}" for name in names), PROBE]
    stripe = config["stripe"]
    return [
        *(path for pattern in patterns for path in run_paths(pattern)),
        *expand(STRIPE, d=stripe["d"], P=stripe["P"], seed=stripe["seeds"]),
        *imagenet_probes(),
    ]


def report_missing_intermediates():
    """Name intermediates deleted after the tables were built, and the command that rebuilds them."""
    if not os.path.exists(f"{TABLES}/logavg.csv"):
        return
    missing = [path for path in intermediate_outputs() if not os.path.exists(path)]
    if missing:
        shown = "\n  ".join(missing[:20]) + ("\n  ..." if len(missing) > 20 else "")
        option = f" --configfile {workflow.configfiles[-1]}" if workflow.configfiles else ""
        print(
            f"{len(missing)} intermediate output(s) are missing although the tables of"
            f" {RESULTS} exist:\n  {shown}\nThe default target rebuilds them and every table"
            f" and figure that depends on them: snakemake --cores N{option}",
            file=sys.stderr,
        )


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


# probe.smk
def probe_settings_options(wildcards):
    """--cutoffs, --interpolations, --sweep-points [--layers] of one run (probe.overrides)."""
    settings = run_probe_settings(config, run_of(wildcards))
    options = (
        f"--cutoffs {' '.join(map(str, settings['cutoffs']))}"
        f" --interpolations {' '.join(settings['interpolations'])}"
        f" --sweep-points {settings['sweep_points']}"
    )
    return options + (" --layers" if settings["layers"] else "")


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
HEADLINE = Headline.from_config(config)


def headline_option():
    """--headline KEY=VALUE ... of the claims command: the config's headline convention."""
    pairs = [shlex.quote(f"{k}={v}") for k, v in sorted(HEADLINE.options().items())]
    return f"--headline {' '.join(pairs)}"


def figure_options(name):
    """--set arguments of one figure: the headline convention (the keys the figure reads), its
    configured options (which win) and the global note."""
    options = {k: v for k, v in HEADLINE.options().items() if k in FIGURES[name].keys}
    options |= config["figures"]["options"].get(name, {})
    if config["figures"]["note"]:
        options.setdefault("note", config["figures"]["note"])
    pairs = [shlex.quote(f"{key}={value}") for key, value in sorted(options.items())]
    return f"--set {' '.join(pairs)}" if pairs else ""


def figure_targets():
    return [f"{FIGURES_DIR}/{f.stem}.{ext}" for f in DRAWN_FIGURES for ext in ("pdf", "png")]
