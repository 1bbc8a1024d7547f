"""Config validation, the job grid, paths and input functions shared by all rules."""

import os
import re
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

from diffeo_stability import workflow as facade

# rules run `python -m diffeo_stability` with the Python running snakemake and this src/
facade.export_cli_environment(Path(workflow.basedir) / "src")

config.setdefault("results", facade.default_results_root(workflow.configfiles))
facade.retype_overrides(config, dict(workflow.config_settings.config))
try:
    facade.validate_workflow_config(config)
    if workflow.local_exec:  # cluster jobs run where the GPUs are, not on the login node
        facade.check_device(config["device"])
except facade.ConfigError as err:
    raise WorkflowError(str(err)) from None

# the config file: the last one given (see Snakefile)
CONFIGFILE = (
    os.path.relpath(workflow.configfiles[-1]) if workflow.configfiles else "config/config.yaml"
)
_long_run = facade.long_run_warning(config, CONFIGFILE)
if _long_run:
    logger.warning(f"WARNING: {_long_run}")

RUNS = facade.training_runs(config)
GPU_PER_JOB = facade.gpus_per_job(config["device"])  # 0 on a CPU-only machine: --cores N jobs
# the train / probe / probe_imagenet jobs: one process on the config's device, `threads` threads
DEVICE_JOB = "OMP_NUM_THREADS={threads} python -m diffeo_stability --threads {threads}"
RUN_KEYS = {(r.dataset, r.arch, str(r.P), int(r.seed), r.variant): r for r in RUNS}
# run -> its snapshot_epochs, for the runs that keep snapshots
SNAPSHOT_RUNS = facade.snapshot_runs(config)

DATA = "resources/data/{dataset}.npz"
SYNTHETIC = "resources/synthetic/{dataset}"
# every config writes under its own results root, so configs never overwrite each other
RESULTS = config["results"].rstrip("/")
# {variant}: the path segments of a run's training budget and augmentation option
# (config.grid.Run.variant; empty without)
TRAIN_DIR = f"{RESULTS}/train/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}"
TRAIN_OUTPUTS = ("init.pt", "trained.pt", "last.pt", "metrics.json")
SNAPSHOT = f"{TRAIN_DIR}/snapshots/epoch{{epoch}}.pt"  # models.build.snapshot_path
PROBE = f"{RESULTS}/probe/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}.parquet"
STRIPE = f"{RESULTS}/stripe/d{{d}}/P{{P}}/seed{{seed}}.json"
IMAGENET_PROBE = f"{RESULTS}/probe/imagenet/{{imagenet_arch}}/Pfull/seed0.parquet"
LOGS = f"{RESULTS}/logs"
TABLES = f"{RESULTS}/tables"


wildcard_constraints:
    dataset="|".join(map(re.escape, facade.DATASETS)),
    arch=facade.ARCH_PATTERN,
    P=r"\d+|full",
    variant=r"(/E\d+)?(/A[a-z_+]+)?",
    seed=r"\d+",
    d=r"\d+",
    imagenet_arch="resnet101|efficientnet_b2",


def run_of(wildcards):
    """The configured run that a (dataset, arch, P, seed) wildcard set refers to."""
    key = (wildcards.dataset, wildcards.arch, wildcards.P, int(wildcards.seed), wildcards.variant)
    if key not in RUN_KEYS:
        raise WorkflowError(f"{key} is not a run of any experiment in the config")
    return RUN_KEYS[key]


def run_paths(pattern):
    """`pattern` expanded over every configured training run."""
    return [run_path(pattern, run) for run in RUNS]


def run_path(pattern, run, **more):
    """`pattern` with the wildcards of `run` (and `more`) filled in."""
    return pattern.format(**run.wildcards(), **more)


def snapshot_paths(run, epochs):
    """The snapshot files of `run` after `epochs`."""
    return [run_path(SNAPSHOT, run, epoch=epoch) for epoch in epochs]


def imagenet_probes():
    """ImageNet probe outputs: one per configured weights file, when an image folder is set."""
    if not config["imagenet"]["images"]:
        return []
    return [IMAGENET_PROBE.format(imagenet_arch=arch) for arch in config["imagenet"]["weights"]]


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


def device_job_resources(mem_mb, runtime):
    """The resources of a train / probe job (each retry gets `attempt` times more memory and
    time): the config's GPU share, `mem_mb` MB, `runtime` minutes."""
    return dict(
        gpu=GPU_PER_JOB,
        cpus_per_gpu=4,
        mem_mb=lambda wildcards, attempt: mem_mb * attempt,
        runtime=lambda wildcards, attempt: runtime * attempt,
    )


def hparams_option(wildcards):
    """--hparams JSON: the run's resolved hyper-parameters."""
    return facade.hparams_option(config, run_of(wildcards))


def write_argsfile(path, items):
    """Write one argument per line (read back with argparse's @file syntax)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(f"{item}\n" for item in items))


# probe.smk
def probe_settings_option(wildcards):
    """--settings JSON: what the run's probe job measures (probe section and overrides)."""
    return facade.probe_settings_option(config, run_of(wildcards))


# data.smk
def fetch_inputs(wildcards):
    """Synthetic datasets are generated first; real ones come from mirrors or downloads."""
    if facade.DATASETS[wildcards.dataset].synthetic:
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
def train_outputs(epochs):
    """Named outputs of a train rule: init, trained, last, metrics, and the snapshot files
    after `epochs` (none for the generic rule)."""
    outputs = {name.split(".")[0]: f"{TRAIN_DIR}/{name}" for name in TRAIN_OUTPUTS}
    if not epochs:
        return outputs
    return outputs | {"snapshots": [SNAPSHOT.replace("{epoch}", str(e)) for e in epochs]}


def weights_option(wildcards):
    path = config["training"]["weights"].get(wildcards.arch)
    return f"--weights {shlex.quote(path)}" if path else ""


# figures.smk
HEADLINE = facade.Headline.of_config(config)
FIGURES = facade.FIGURES


def headline_option():
    """--headline JSON of the claims command: the config's headline convention."""
    return facade.headline_option(HEADLINE)


def figure_options(name):
    """--set arguments of one figure: the headline keys it reads, its options, the note."""
    return facade.figure_options(name, HEADLINE, config["figures"])


def built_figures():
    """The figures of the registry whose inputs the config makes (figures.smk)."""
    return facade.built_figures(FIGURE_INPUTS)


def figure_targets():
    """Both files of every figure the config builds."""
    return [f"{FIGURES_DIR}/{f.stem}.{ext}" for f in built_figures() for ext in ("pdf", "png")]


# mechanisms_training.smk
def checkpoint_pattern(epoch):
    """The checkpoint of a run after `epoch`: a snapshot, or for epoch 0 its init.pt."""
    return INIT if int(epoch) == 0 else SNAPSHOT


def run_checkpoints(run):
    """The checkpoints of a selected run, one per epoch probed."""
    return [run_path(checkpoint_pattern(e), run, epoch=e) for e in TRAINING_TIME_RUNS[run]]


def selected_checkpoints():
    """The checkpoints of every selected run, one per epoch probed."""
    return [path for run in TRAINING_TIME_RUNS for path in run_checkpoints(run)]


def probed_epochs(wildcards):
    """The epochs probed of the run of a `probe_snapshots` job."""
    return TRAINING_TIME_RUNS[run_of(wildcards)]


def probed_checkpoints(wildcards):
    """The checkpoints of the run of a `probe_snapshots` job, one per epoch probed."""
    return run_checkpoints(run_of(wildcards))


def snapshot_probes():
    """The snapshot probes of the selected runs (rebuilt by the default target when deleted)."""
    return [run_path(SNAPSHOT_PROBE, run) for run in TRAINING_TIME_RUNS]
