"""What the rules' shells and the scheduler need from the config: results root, `--config`
values retyped, the device check, the CLI environment, GPUs per job."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from diffeo_stability.errors import ConfigError


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
