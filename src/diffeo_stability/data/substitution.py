"""`data.substitute` of a config: one data set read in place of another, everywhere in the config.

A config names its data sets in several places: the experiment grids, the `datasets` filters of
`training.overrides` and `probe.overrides`, the `dataset(s)` keys of the `mechanisms`
sub-blocks, and the figure options whose key names data sets
(`dataset`, `datasets`, `sweep_dataset`, `size_datasets`: every key containing "dataset", values
comma-separated). `data.substitute: {cifar10: cifar10-jpeg}` rewrites all of them when the config
is read, so a config written for `cifar10` runs on the offline JPEG copy without editing those
places. Every output is then named and labelled by the data set actually used (here
`cifar10-jpeg`, never CIFAR-10), and the figures' `note` says which set replaced which.

Torch-free: the Snakefile reads configs.
"""

from __future__ import annotations

from typing import Any

from diffeo_stability.data.registry import DATASETS


def substitution_problems(substitute: dict[str, str]) -> list[str]:
    """Reasons why `substitute` (original name -> name used instead) cannot be applied: a pair
    of different image shapes or classes, or a chain (a replacement that is itself replaced)."""
    problems = []
    for old, new in sorted(substitute.items()):
        a, b = DATASETS[old], DATASETS[new]
        if (a.channels, a.image_size, a.classes) != (b.channels, b.image_size, b.classes):
            problems.append(
                f"data.substitute: {old} -> {new}: the two data sets differ in image shape or "
                "classes; only a copy of the same data set can replace it (e.g. cifar10 -> "
                "cifar10-jpeg)"
            )
        if new in substitute and new != old:
            problems.append(
                f"data.substitute: {old} -> {new}, and {new} is itself replaced; give the final "
                "data set directly"
            )
    return problems


def substitute_datasets(config: dict[str, Any]) -> list[str]:
    """Apply the validated config's `data.substitute` in place; return the problems (nothing is
    changed when there are any). Applying it twice changes nothing more."""
    substitute = {k: v for k, v in config["data"]["substitute"].items() if k != v}
    problems = substitution_problems(substitute)
    if problems or not substitute:
        return problems

    def names(values: list[str]) -> list[str]:
        return list(dict.fromkeys(substitute.get(name, name) for name in values))

    for grid in config["experiments"].values():
        grid["datasets"] = names(grid["datasets"])
    for rule in [*config["training"]["overrides"], *config["probe"]["overrides"]]:
        if "datasets" in rule:
            rule["datasets"] = names(rule["datasets"])
    _substitute_blocks(config.get("mechanisms") or {}, substitute)
    for options in config["figures"]["options"].values():
        for key, value in options.items():
            if "dataset" in key and isinstance(value, str):
                options[key] = ",".join(names(value.split(",")))
    figures = config["figures"]
    used = "; ".join(f"{new} used in place of {old}" for old, new in sorted(substitute.items()))
    if used not in (figures.get("note") or ""):
        figures["note"] = f"{figures['note']}; {used}" if figures.get("note") else used
    return []


def _substitute_blocks(block: dict[str, Any], substitute: dict[str, str]) -> None:
    """Rewrite, in place and at any depth of a config block (the `mechanisms` sub-blocks), the
    data sets named by a `datasets` list or a `dataset` string."""
    for key, value in block.items():
        if key == "datasets" and isinstance(value, list):
            block[key] = list(dict.fromkeys(substitute.get(name, name) for name in value))
        elif key == "dataset" and isinstance(value, str):
            block[key] = substitute.get(value, value)
        elif isinstance(value, dict):
            _substitute_blocks(value, substitute)
