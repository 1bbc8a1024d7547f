"""Rules across sections, checked after every block is built: sizes within the data sets,
each hyper-parameter section on the architectures it applies to, probe overrides, the
headline measured by every run, files that must exist, stripe options."""

from __future__ import annotations

import itertools
from dataclasses import fields
from pathlib import Path
from typing import Any

from diffeo_stability.config import grid
from diffeo_stability.config.blocks import named, setting_errors
from diffeo_stability.errors import SettingError
from diffeo_stability.mechanisms.neuron_settings import neuron_stability_problems
from diffeo_stability.mechanisms.training_time_settings import KEY, TrainingTimeSettings
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.probe.settings import ProbeSettings
from diffeo_stability.stripe.config import StripeConfig
from diffeo_stability.training.hparams import resolve_arch_hparams


def size_problems(config: dict[str, Any]) -> list[str]:
    """P within the training set and n_probe within the test set of every data set used."""
    problems = []
    for name, experiment in config["experiments"].items():
        for dataset, P in itertools.product(experiment["datasets"], experiment["P"]):
            size = grid.training_set_size(config, dataset)
            if P != "full" and P > size:
                problems.append(
                    f"experiments.{name}.P: {P} is larger than the training set of {dataset} "
                    f"({size} images); use a smaller P or 'full'"
                )
    datasets = {d for e in config["experiments"].values() for d in e["datasets"]}
    n_probe = config["probe"]["n_probe"]
    for dataset in sorted(datasets):
        size = grid.test_set_size(config, dataset)
        if n_probe > size:
            problems.append(
                f"probe.n_probe: {n_probe} is larger than the test set of {dataset} "
                f"({size} images); use at most {size}"
            )
    return problems


def hparam_problems(config: dict[str, Any]) -> list[str]:
    """Each family section, then each override rule on top of it, on every architecture it may
    apply to, resolves (`resolve_arch_hparams`); then every run's combination. A bad value is
    reported once, under the section that sets it."""
    families = config["training"]["families"]
    problems = []
    for family, values in families.items():
        problem = _first_problem(f"training.families.{family}", values, {"families": [family]}, {})
        problems += [problem] if problem else []
    if problems:
        return problems
    for k, rule in enumerate(config["training"]["overrides"]):
        problem = _first_problem(
            f"training.overrides[{k}].hparams", rule["hparams"], rule, families
        )
        problems += [problem] if problem else []
    if problems:
        return problems
    for run in grid.training_runs(config):
        try:
            grid.run_hparams(config, run)
        except SettingError as err:
            return [f"training (the overrides combined for run {run.name()}): {err}"]
    return []


def _first_problem(
    prefix: str, values: dict[str, Any], rule: dict[str, Any], families: dict[str, Any]
) -> str:
    """The first problem of `values` (on top of `families`' section) on an arch `rule` takes."""
    for arch in rule.get("archs", ARCHITECTURES):
        family = ARCHITECTURES[arch].family
        if family not in rule.get("families", [family]):
            continue
        try:
            resolve_arch_hparams(arch, {**families.get(family, {}), **values})
        except SettingError as err:
            return named(prefix, err, values)
    return ""


def probe_override_problems(config: dict[str, Any]) -> list[str]:
    """Each `probe.overrides` rule's settings on top of the `probe` section."""
    return [
        named(f"probe.overrides[{k}].settings", err, rule["settings"])
        for k, rule in enumerate(config["probe"]["overrides"])
        for err in setting_errors(
            lambda given: ProbeSettings.from_config({**config["probe"], **given}),
            rule["settings"],
        )
    ]


def headline_problems(config: dict[str, Any]) -> list[str]:
    """Every run must measure the headline: its c, interpolation and noise norm."""
    headline = config["probe"]["headline"]
    if headline["noise_norm"] not in config["probe"]["noise_norms"]:
        return [
            f"probe.headline.noise_norm: {headline['noise_norm']!r} is not measured; add it "
            f"to probe.noise_norms {config['probe']['noise_norms']}"
        ]
    problems = []
    for run in grid.training_runs(config):
        settings = grid.run_probe_settings(config, run)
        for key, values in (("c", "cutoffs"), ("interpolation", "interpolations")):
            measured = list(getattr(settings, values))
            if headline[key] not in measured:
                problems.append(
                    f"probe.headline.{key}: {headline[key]!r} is not among the probe {values} "
                    f"{measured} of run {run.name()} "
                    f"(probe.{values} / probe.overrides)"
                )
                break
        if len(problems) >= 3:
            break
    return problems


def training_time_problems(config: dict[str, Any]) -> list[str]:
    """The runs `mechanisms.training_time` selects: at least one when the block names runs,
    each keeping every epoch probed, n_probe within their test sets. Nothing to say while a
    run's hyper-parameters do not resolve (`hparam_problems` names the key, once)."""
    try:
        selected = grid.training_time_runs(config)
    except SettingError:
        return []
    settings = TrainingTimeSettings.from_config(config["mechanisms"]["training_time"])
    if settings.filtered and not selected:
        return [
            f"{KEY}: no configured run with snapshot_epochs passes its filters; give the runs "
            "it names snapshot_epochs (training.overrides) or change the filters"
        ]
    problems = []
    for run, epochs in selected.items():
        snapshots = grid.run_hparams(config, run).snapshot_epochs
        absent = [e for e in epochs if e not in (0, *snapshots)]
        if absent:
            problems.append(
                f"{KEY}.epochs: {absent} not kept by run {run.dataset}/{run.arch}/P{run.P}/"
                f"seed{run.seed} (its snapshot_epochs: {list(snapshots)}); add them to its "
                "snapshot_epochs (training.overrides)"
            )
            break
    for dataset in sorted({run.dataset for run in selected}):
        size = grid.test_set_size(config, dataset)
        if settings.n_probe > size:
            problems.append(
                f"{KEY}.n_probe: {settings.n_probe} is larger than the test set of {dataset} "
                f"({size} images); use at most {size}"
            )
    return problems


def path_problems(config: dict[str, Any]) -> list[str]:
    """Configured weights files and the ImageNet image folder must exist."""
    files = {f"training.weights.{a}": p for a, p in config["training"]["weights"].items()}
    files |= {f"imagenet.weights.{a}": p for a, p in config["imagenet"]["weights"].items()}
    problems = [
        f"{key}: no such file {path!r} (give the path of the downloaded weights file)"
        for key, path in files.items()
        if not Path(path).is_file()
    ]
    images = config["imagenet"]["images"]
    if images and not Path(images).is_dir():
        problems.append(f"imagenet.images: no such folder {images!r}")
    return problems


def stripe_problems(config: dict[str, Any]) -> list[str]:
    """stripe.args keys must be options of the stripe command."""
    allowed = {field.name for field in fields(StripeConfig)} - {"d", "P", "seed", "device"}
    return [
        f"stripe.args: unknown option {key!r}; allowed: {', '.join(sorted(allowed))}"
        for key in sorted(set(config["stripe"]["args"]) - allowed)
    ]


def mechanisms_problems(config: dict[str, Any]) -> list[str]:
    """`mechanisms.neuron_stability`: its keys, and its run one of the experiments' runs."""
    return neuron_stability_problems(config, grid.training_runs(config))


#: every cross-section check, in the order of the report
CHECKS = (
    size_problems,
    hparam_problems,
    probe_override_problems,
    headline_problems,
    training_time_problems,
    path_problems,
    stripe_problems,
    mechanisms_problems,
)
