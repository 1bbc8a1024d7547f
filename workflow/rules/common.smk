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
    training_time_runs,
    validate_config,
)
from diffeo_stability.hparams import kept_value
from diffeo_stability.preflight.cost import long_run_warning
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.figures.registry import FIGURES
from diffeo_stability.tables.headline import Headline
from diffeo_stability.models.registry import ARCHITECTURES

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
# run -> its snapshot_epochs, for the runs that keep snapshots
SNAPSHOT_RUNS = {
    run: epochs
    for run in RUNS
    if (epochs := kept_value(run_hparams(config, run), "snapshot_epochs"))
}

DATA = "resources/data/{dataset}.npz"
SYNTHETIC = "resources/synthetic/{dataset}"
# every config writes under its own results root, so configs never overwrite each other
RESULTS = config["results"].rstrip("/")
TRAIN_DIR = f"{RESULTS}/train/{{dataset}}/{{arch}}/P{{P}}/seed{{seed}}"
TRAIN_OUTPUTS = ("init.pt", "trained.pt", "last.pt", "metrics.json")
SNAPSHOT = f"{TRAIN_DIR}/snapshots/epoch{{epoch}}.pt"  # models.build.snapshot_path
PROBE = f"{RESULTS}/probe/{{dataset}}/{{arch}}/P{{P}}/seed{{seed}}.parquet"
STRIPE = f"{RESULTS}/stripe/d{{d}}/P{{P}}/seed{{seed}}.json"
IMAGENET_PROBE = f"{RESULTS}/probe/imagenet/{{imagenet_arch}}/Pfull/seed0.parquet"
LOGS = f"{RESULTS}/logs"
TABLES = f"{RESULTS}/tables"


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
    return [run_path(pattern, run) for run in RUNS]


def imagenet_probes():
    """ImageNet probe outputs: one per configured weights file, when an image folder is set."""
    if not config["imagenet"]["images"]:
        return []
    return [IMAGENET_PROBE.format(imagenet_arch=arch) for arch in config["imagenet"]["weights"]]


def run_path(pattern, run, **more):
    """`pattern` with the wildcards of `run` (and `more`) filled in."""
    return pattern.format(dataset=run.dataset, arch=run.arch, P=run.P, seed=run.seed, **more)


def snapshot_paths(run, epochs):
    """The snapshot files of `run` after `epochs`."""
    return [run_path(SNAPSHOT, run, epoch=epoch) for epoch in epochs]


def intermediate_outputs():
    """Every training, snapshot, probe, stripe and ImageNet probe output of the config."""
    patterns = [*(f"{TRAIN_DIR}/{name}" for name in TRAIN_OUTPUTS), PROBE]
    stripe = config["stripe"]
    return [
        *(path for pattern in patterns for path in run_paths(pattern)),
        *(path for run, epochs in SNAPSHOT_RUNS.items() for path in snapshot_paths(run, epochs)),
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
def train_rules():
    """(rule name, run or None for the generic rule, snapshot epochs) of every train rule."""
    rules = [("train", None, [])]
    for run, epochs in SNAPSHOT_RUNS.items():
        name = re.sub(r"\W", "_", f"train_{run.dataset}_{run.arch}_P{run.P}_seed{run.seed}")
        rules.append((name, run, epochs))
    return rules


def train_outputs(run, epochs):
    """Named outputs of a train rule: init, trained, last, metrics, and the snapshot files
    of `run` after `epochs` (none for the generic rule: run None)."""
    outputs = {name.split(".")[0]: f"{TRAIN_DIR}/{name}" for name in TRAIN_OUTPUTS}
    if not epochs:
        return outputs
    return outputs | {"snapshots": [SNAPSHOT.replace("{epoch}", str(e)) for e in epochs]}


def run_constraints(run):
    """Wildcard constraints that match `run` only (none for run None)."""
    if run is None:
        return {}
    values = {"dataset": run.dataset, "arch": run.arch, "P": run.P, "seed": run.seed}
    return {key: re.escape(str(value)) for key, value in values.items()}


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


def built_figures():
    """The figures of the registry whose inputs the config makes."""
    return [f for f in FIGURES.values() if set(f.inputs) <= FIGURE_INPUTS.keys()]


def figure_targets():
    """Both files of every figure the config builds (`built_figures`, figures.smk)."""
    return [f"{FIGURES_DIR}/{f.stem}.{ext}" for f in built_figures() for ext in ("pdf", "png")]


# mechanisms_training.smk
def checkpoint_pattern(epoch):
    """The checkpoint of a run after `epoch`: a snapshot, or for epoch 0 its init.pt."""
    return INIT if int(epoch) == 0 else SNAPSHOT


def selected_checkpoints():
    """The checkpoints of every selected run, one per epoch probed."""
    return [
        run_path(checkpoint_pattern(epoch), run, epoch=epoch)
        for run, epochs in TRAINING_TIME_RUNS.items()
        for epoch in epochs
    ]


def probed_epochs(wildcards):
    """The epochs probed of the run of a `probe_snapshots` job."""
    return TRAINING_TIME_RUNS[run_of(wildcards)]


def probed_checkpoints(wildcards):
    """The checkpoints of the run of a `probe_snapshots` job, one per epoch probed."""
    run = run_of(wildcards)
    return [run_path(checkpoint_pattern(e), run, epoch=e) for e in TRAINING_TIME_RUNS[run]]


def snapshot_probes():
    """The snapshot probes of the selected runs (rebuilt by the default target when deleted)."""
    return [run_path(SNAPSHOT_PROBE, run) for run in TRAINING_TIME_RUNS]
