"""Workflow configuration: schema validation with defaults, and the job grid.

Imported by the Snakefile, so it must stay torch-free and fast (the paper config expands to
thousands of jobs).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema
import yaml

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.hparams import resolve_arch_hparams
from diffeo_stability.mechanisms.settings import config_problems as mechanisms_config_problems
from diffeo_stability.models.registry import ARCHITECTURES

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


class Run(NamedTuple):
    """One training job: a cell of an experiment grid. `P` is an int or 'full'."""

    dataset: str
    arch: str
    P: int | str
    seed: int


def _with_defaults(validator_class: type) -> type:
    """A validator class that fills `default` values of missing properties before validating."""
    check_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for name, sub in props.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


def _describe(error: jsonschema.ValidationError) -> str:
    """One line naming the config key and what was wrong (allowed values for enums)."""
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    key = key.lstrip(".") or "<top level>"
    if error.validator == "oneOf":  # only training-set sizes use oneOf
        return f"{key}: {error.instance!r} is neither a positive integer nor 'full'"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{key}: {error.instance!r} is not allowed; allowed values: {allowed}"
    if error.validator == "exclusiveMinimum":
        return f"{key}: {error.instance!r} must be greater than {error.validator_value}"
    if error.validator == "minItems" and error.validator_value == 1:
        return f"{key}: must not be empty"
    if error.validator == "additionalProperties":
        return f"{key or 'config'}: {error.message} (see config/README.md for the known keys)"
    return f"{key}: {error.message}"


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The JSON schema of the configuration (YAML file)."""
    with open(path) as handle:
        return yaml.safe_load(handle)


def validate_config(config: dict[str, Any], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fill defaults in place, check the schema and the cross-field rules; return `config`.

    Raises ConfigError listing every problem, one per line, each naming its key.
    """
    schema = load_schema() if schema is None else schema
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    problems = sorted({_describe(e) for e in _leaf_errors(validator.iter_errors(config))})
    if not problems:
        problems = _semantic_problems(config)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return config


def _leaf_errors(
    errors: Iterable[jsonschema.ValidationError],
) -> Iterator[jsonschema.ValidationError]:
    """Report `allOf` failures by their own sub-errors (the ones naming the real problem)."""
    for error in errors:
        if error.validator == "allOf" and error.context:
            yield from _leaf_errors(error.context)
        else:
            yield error


def training_set_size(config: dict[str, Any], dataset: str) -> int:
    """Number of training images of `dataset` (synthetic sizes come from the config)."""
    if DATASETS[dataset].synthetic:
        return int(config["data"]["synthetic_train"])
    return DATASETS[dataset].n_train


def _semantic_problems(config: dict[str, Any]) -> list[str]:
    """Checks the schema cannot express: P within the training set, valid hyper-parameters, ..."""
    problems = []
    for name, grid in config["experiments"].items():
        for dataset, P in itertools.product(grid["datasets"], grid["P"]):
            size = training_set_size(config, dataset)
            if P != "full" and P > size:
                problems.append(
                    f"experiments.{name}.P: {P} is larger than the training set of {dataset} "
                    f"({size} images); use a smaller P or 'full'"
                )
    problems += _hparam_problems(config)
    problems += _headline_problems(config)
    problems += mechanisms_config_problems(config)
    return problems + _probe_problems(config) + _path_problems(config) + _option_problems(config)


def _hparam_problems(config: dict[str, Any]) -> list[str]:
    """Each family section and override rule, on every architecture it may apply to, resolves
    (`resolve_arch_hparams`): known keys, valid values, only keys the architecture takes. So
    every run's hyper-parameters resolve, whatever the experiment grids."""
    families = config["training"]["families"]
    sections = [(f"training.families.{name}", {"families": [name]}, {}) for name in families]
    sections += [
        (f"training.overrides[{k}].hparams", rule, rule["hparams"])
        for k, rule in enumerate(config["training"]["overrides"])
    ]
    problems = []
    for key, rule, hparams in sections:
        for arch in rule.get("archs", ARCHITECTURES):
            family = ARCHITECTURES[arch].family
            if family not in rule.get("families", [family]):
                continue
            try:
                resolve_arch_hparams(arch, {**families[family], **hparams})
            except ConfigError as err:
                problems.append(f"{key}: {err}")
                break
    return problems


def _headline_problems(config: dict[str, Any]) -> list[str]:
    """Every run must measure the headline: its c, interpolation and noise norm."""
    headline = config["probe"]["headline"]
    if headline["noise_norm"] not in config["probe"]["noise_norms"]:
        return [
            f"probe.headline.noise_norm: {headline['noise_norm']!r} is not measured; add it "
            f"to probe.noise_norms {config['probe']['noise_norms']}"
        ]
    problems = []
    for run in training_runs(config):
        settings = run_probe_settings(config, run)
        for key, values in (("c", "cutoffs"), ("interpolation", "interpolations")):
            if headline[key] not in settings[values]:
                problems.append(
                    f"probe.headline.{key}: {headline[key]!r} is not among the probe {values} "
                    f"{settings[values]} of run {run.dataset}/{run.arch}/P{run.P}/seed{run.seed} "
                    f"(probe.{values} / probe.overrides)"
                )
                break
        if len(problems) >= 3:
            break
    return problems


def _probe_problems(config: dict[str, Any]) -> list[str]:
    """n_probe within the test set of every data set used."""
    datasets = {d for grid in config["experiments"].values() for d in grid["datasets"]}
    n_probe = config["probe"]["n_probe"]
    problems = []
    for dataset in sorted(datasets):
        info = DATASETS[dataset]
        size = int(config["data"]["synthetic_test"]) if info.synthetic else info.n_test
        if n_probe > size:
            problems.append(
                f"probe.n_probe: {n_probe} is larger than the test set of {dataset} "
                f"({size} images); use at most {size}"
            )
    return problems


def _path_problems(config: dict[str, Any]) -> list[str]:
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


def _option_problems(config: dict[str, Any]) -> list[str]:
    """stripe.args and figures.options keys must be options their command / figure reads."""
    from dataclasses import fields

    from diffeo_stability.figures.registry import FIGURES
    from diffeo_stability.stripe.config import StripeConfig

    allowed = {field.name for field in fields(StripeConfig)} - {"d", "P", "seed", "device"}
    problems = [
        f"stripe.args: unknown option {key!r}; allowed: {', '.join(sorted(allowed))}"
        for key in sorted(set(config["stripe"]["args"]) - allowed)
    ]
    for name, options in config["figures"]["options"].items():
        if name not in FIGURES:
            problems.append(
                f"figures.options: unknown figure {name!r}; known: {', '.join(FIGURES)}"
            )
            continue
        problems += FIGURES[name].option_problems(options, f"figures.options.{name}")
    return problems


def retype_overrides(config: dict[str, Any], overrides: dict[str, Any]) -> None:
    """Read nested `--config` values as YAML, as in a config file.

    Snakemake reads `--config probe={delta: 0.5}` as {"probe": {"delta": "0.5"}} (nested values
    are strings); this turns such strings of `config` (where they came from `overrides`) into
    numbers, booleans, lists, ... in place.
    """
    for key, value in overrides.items():
        if isinstance(value, dict | list) and key in config:
            config[key] = _retyped(config[key], value)


def _retyped(current: Any, override: Any) -> Any:
    if isinstance(override, dict) and isinstance(current, dict):
        return current | {k: _retyped(current[k], v) for k, v in override.items() if k in current}
    if isinstance(override, list) and isinstance(current, list) and len(current) == len(override):
        return [_retyped(c, o) for c, o in zip(current, override, strict=True)]
    if isinstance(override, str) and current == override:
        try:
            return yaml.safe_load(override)
        except yaml.YAMLError:
            return current
    return current


def default_results_root(configfiles: Iterable[str | Path]) -> str:
    """`results/<stem of the last config file>` (e.g. results/smoke); `results/default` if none.

    The `results` key of a config overrides it; one root per config keeps the outputs of
    different configs apart.
    """
    files = list(configfiles)
    return f"results/{Path(files[-1]).stem}" if files else "results/default"


def training_runs(config: dict[str, Any]) -> list[Run]:
    """The union of all experiment grids, without duplicates, in a stable order."""
    runs = {
        Run(dataset, arch, P, seed)
        for grid in config["experiments"].values()
        for dataset, arch, P, seed in itertools.product(
            grid["datasets"], grid["archs"], grid["P"], grid["seeds"]
        )
    }
    return sorted(runs, key=lambda r: (r.dataset, r.arch, str(r.P).zfill(12), r.seed))


def _matches(rule: dict[str, Any], run: Run, family: str) -> bool:
    """Whether `run` passes every filter (datasets, archs, P, families, seeds) `rule` gives."""
    return (
        run.dataset in rule.get("datasets", [run.dataset])
        and run.arch in rule.get("archs", [run.arch])
        and run.P in rule.get("P", [run.P])
        and family in rule.get("families", [family])
        and run.seed in rule.get("seeds", [run.seed])
    )


def run_hparams(config: dict[str, Any], run: Run) -> dict[str, Any]:
    """Hyper-parameters of one run: paper defaults, then family overrides, then matching rules."""
    family = ARCHITECTURES[run.arch].family
    overrides = dict(config["training"]["families"][family])
    for rule in config["training"]["overrides"]:
        if _matches(rule, run, family):
            overrides.update(rule["hparams"])
    return resolve_arch_hparams(run.arch, overrides)


PROBE_RUN_KEYS = ("cutoffs", "interpolations", "sweep_points", "layers")


def run_probe_settings(config: dict[str, Any], run: Run) -> dict[str, Any]:
    """The probe keys that may differ per run (`PROBE_RUN_KEYS`): the `probe` section's values,
    then the `settings` of every matching `probe.overrides` rule, in order."""
    family = ARCHITECTURES[run.arch].family
    settings = {key: config["probe"][key] for key in PROBE_RUN_KEYS}
    for rule in config["probe"]["overrides"]:
        if _matches(rule, run, family):
            settings.update(rule["settings"])
    return settings


def check_device(device: str) -> None:
    """ConfigError if `device` names CUDA (cuda, cuda:N) that this machine does not have.

    Imports torch only for a CUDA device.
    """
    if not device.startswith("cuda"):
        return
    import torch

    count = torch.cuda.device_count()
    index = int(device.partition(":")[2] or 0)
    if index >= count:
        found = f"{count} CUDA device(s)" if count else "no CUDA device"
        raise ConfigError(
            f"device: {device!r}, but this machine has {found}; use device: auto or cpu"
        )


def export_cli_environment(src_dir: str | Path) -> None:
    """Let rule shells run `python -m diffeo_stability` from this checkout.

    Puts the directory of the running interpreter first on PATH (so `python` is the one
    running snakemake, e.g. `.venv/bin/python`, even when the venv is not activated; under
    `--use-conda` the conda env is activated after this and comes first) and `src_dir` first
    on PYTHONPATH (so a conda env without the package installed imports it from src/).
    Cluster jobs inherit the variables and also re-run this when they load the Snakefile.
    """
    import os
    import sys

    def prepend(name: str, entry: str) -> None:
        parts = [p for p in os.environ.get(name, "").split(os.pathsep) if p and p != entry]
        os.environ[name] = os.pathsep.join([entry, *parts])

    prepend("PATH", os.path.dirname(sys.executable))
    prepend("PYTHONPATH", str(src_dir))
    # idle OpenMP threads sleep instead of spinning on cores that other jobs use
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def gpus_per_job(device: str) -> int:
    """GPUs a training/probing job on config `device` holds (the rules' `gpu` resource): 0 on
    a CPU-only machine, so `--cores N` runs N such jobs there and `gpu=K` limits GPU jobs."""
    if device == "cpu":
        return 0  # no torch import
    from diffeo_stability.device import pick_device

    return int(pick_device(device).type == "cuda")
