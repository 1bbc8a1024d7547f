"""The job grid: training runs (the union of the experiment grids) and each run's settings."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, NamedTuple

from diffeo_stability.config.blocks import block_section
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.mechanisms.settings import MechanismsSettings
from diffeo_stability.mechanisms.training_time_settings import TrainingTimeSettings
from diffeo_stability.models.registry import ARCHITECTURES, any_local
from diffeo_stability.probe.settings import RUN_KEYS, ProbeSettings
from diffeo_stability.training.hparams import HParams, resolve_arch_hparams


class Run(NamedTuple):
    """One training job: a cell of an experiment grid. `P` is an int or 'full'; `epochs` the
    training budget E of a grid that lists `epochs` (each its own run, annealed at its own
    last step), None for a grid without (its epochs come from the hyper-parameters);
    `augmentation` the option of a grid that lists `augmentations` (each its own run), None
    for a grid without (the hyper-parameters' augmentation)."""

    dataset: str
    arch: str
    P: int | str
    seed: int
    epochs: int | None = None
    augmentation: str | None = None

    @property
    def variant(self) -> str:
        """The run's path segments of its budget and augmentation option: '' without either,
        '/E<epochs>' and/or '/A<augmentation>' with them
        (results/train/{dataset}/{arch}/P{P}{variant}/seed{seed})."""
        budget = "" if self.epochs is None else f"/E{self.epochs}"
        return budget + ("" if self.augmentation is None else f"/A{self.augmentation}")

    def wildcards(self) -> dict[str, Any]:
        """The workflow's wildcards of the run: dataset, arch, P, seed, variant."""
        return {**self._asdict(), "variant": self.variant}

    def name(self) -> str:
        """dataset/arch/P<P>[/E<epochs>][/A<augmentation>]/seed<seed>, for messages."""
        return f"{self.dataset}/{self.arch}/P{self.P}{self.variant}/seed{self.seed}"


def grid_runs(grid: dict[str, Any]) -> list[Run]:
    """The runs of one experiment grid (one per budget of `epochs`, per option of
    `augmentations` when it lists them)."""
    return [
        Run(*cell)
        for cell in itertools.product(
            grid["datasets"],
            grid["archs"],
            grid["P"],
            grid["seeds"],
            grid.get("epochs", [None]),
            grid.get("augmentations", [None]),
        )
    ]


def training_runs(config: dict[str, Any]) -> list[Run]:
    """The union of all experiment grids, without duplicates, in a stable order."""
    runs = {run for grid in config["experiments"].values() for run in grid_runs(grid)}
    return sorted(
        runs,
        key=lambda r: (
            r.dataset, r.arch, str(r.P).zfill(12), r.seed, r.epochs or 0, r.augmentation or ""
        ),
    )  # fmt: skip


def training_set_size(config: dict[str, Any], dataset: str) -> int:
    """Number of training images of `dataset` (synthetic sizes come from the config)."""
    if DATASETS[dataset].synthetic:
        return int(config["data"]["synthetic_train"])
    return DATASETS[dataset].n_train


def test_set_size(config: dict[str, Any], dataset: str) -> int:
    """Number of test images of `dataset` (synthetic sizes come from the config)."""
    if DATASETS[dataset].synthetic:
        return int(config["data"]["synthetic_test"])
    return DATASETS[dataset].n_test


def matches(rule: dict[str, Any], run: Run, family: str) -> bool:
    """Whether `run` passes every filter (datasets, archs, P, families, seeds, epochs: the
    budgets, augmentations: the options) `rule` gives."""
    return (
        run.dataset in rule.get("datasets", [run.dataset])
        and run.arch in rule.get("archs", [run.arch])
        and run.P in rule.get("P", [run.P])
        and family in rule.get("families", [family])
        and run.seed in rule.get("seeds", [run.seed])
        and run.epochs in rule.get("epochs", [run.epochs])
        and run.augmentation in rule.get("augmentations", [run.augmentation])
    )


def run_hparam_values(config: dict[str, Any], run: Run) -> dict[str, Any]:
    """The config's hyper-parameters of one run: its family section, then matching rules, then
    its budget (a run with `epochs` trains that many epochs and measures the test error at the
    last one only: the net probed is the end point of its own schedule)."""
    family = ARCHITECTURES[run.arch].family
    values = dict(config["training"]["families"][family])
    for rule in config["training"]["overrides"]:
        if matches(rule, run, family):
            values.update(rule["hparams"])
    if run.epochs is not None:
        values.update(epochs=run.epochs, eval_every=run.epochs)
    if run.augmentation is not None:
        values.update(augmentation=run.augmentation)
    return values


def run_hparams(config: dict[str, Any], run: Run) -> HParams:
    """Hyper-parameters of one run: paper values, then family overrides, then matching rules."""
    return resolve_arch_hparams(run.arch, run_hparam_values(config, run))


def run_probe_settings(config: dict[str, Any], run: Run) -> ProbeSettings:
    """What the probe job of `run` measures: the `probe` section, then the `settings` of every
    matching `probe.overrides` rule (keys `probe.settings.RUN_KEYS`), in order."""
    family = ARCHITECTURES[run.arch].family
    section = dict(config["probe"])
    for rule in config["probe"]["overrides"]:
        if matches(rule, run, family):
            section.update({k: v for k, v in rule["settings"].items() if k in RUN_KEYS})
    return ProbeSettings.from_config(section)


def training_time_runs(config: dict[str, Any]) -> dict[Run, tuple[int, ...]]:
    """The runs whose snapshots the analyses over training time read, with the epochs probed
    (0 = the initial net): the configured runs with snapshot_epochs that pass the filters of
    `mechanisms.training_time` (checked against the runs by `checks.training_time_problems`)."""
    settings = TrainingTimeSettings.from_config(config["mechanisms"]["training_time"])
    selected = {}
    for run in training_runs(config):
        snapshots = run_hparams(config, run).snapshot_epochs
        if snapshots and settings.selects(run.dataset, run.arch, run.P, run.seed):
            selected[run] = settings.probed_epochs(snapshots)
    return selected


def mechanisms_settings(config: dict[str, Any]) -> MechanismsSettings:
    """The validated config's `mechanisms` block as settings, without the sections that have
    settings of their own (`blocks.block_section`)."""
    return MechanismsSettings.from_config(block_section(config, "mechanisms") or {})


def has_budgets(runs: Iterable[Run]) -> bool:
    """Whether some run has a training budget of its own (an experiment lists `epochs`)."""
    return any(run.epochs is not None for run in runs)


def has_augmentations(runs: Iterable[Run]) -> bool:
    """Whether some run has an augmentation option of its own (an experiment lists
    `augmentations`)."""
    return any(run.augmentation is not None for run in runs)


def trains_local_nets(runs: Iterable[Run]) -> bool:
    """Whether some run trains a simple local net (then the local-net figures are drawn)."""
    return any_local(run.arch for run in runs)


def probes_adversarial(config: dict[str, Any], runs: Iterable[Run]) -> bool:
    """Whether some run's probe measures adversarial diffeos (then their figure is drawn)."""
    return any(run_probe_settings(config, run).adversarial for run in runs)


#: figure inputs (`figures.registry.INPUTS`) that only some configs make -> the file each reads
#: in the tables directory (`optional_table_inputs` says which a config makes)
OPTIONAL_TABLES = {
    "local_nets": "logavg.csv",
    "budgets": "seeds.csv",
    "augmentations": "logavg.csv",
    "adversarial": "logavg.csv",
}


def optional_table_inputs(config: dict[str, Any], runs: Iterable[Run]) -> dict[str, str]:
    """The `OPTIONAL_TABLES` the config makes: the local-net figures' table when some run
    trains a simple local net, the budget figures' when some run has a budget, the
    augmentation figures' when some run has an option, the adversarial figure's when some probe
    measures adversarial diffeos. Read by the workflow (figures.smk), `diffeo-stability redraw`
    and the job count of `preflight.cost`."""
    runs = list(runs)
    made = {
        "local_nets": trains_local_nets(runs),
        "budgets": has_budgets(runs),
        "augmentations": has_augmentations(runs),
        "adversarial": probes_adversarial(config, runs),
    }
    return {name: file for name, file in OPTIONAL_TABLES.items() if made[name]}
