"""`validate_config`: the one validation of a config, before the DAG is built."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from diffeo_stability.config.blocks import block_problems, fill_defaults
from diffeo_stability.config.checks import CHECKS
from diffeo_stability.config.schema import load_schema, schema_problems
from diffeo_stability.data.substitution import substitute_datasets
from diffeo_stability.errors import ConfigError

Check = Callable[[dict[str, Any]], list[str]]


def validate_config(
    config: dict[str, Any],
    schema: dict[str, Any] | None = None,
    checks: Iterable[Check] = (),
) -> dict[str, Any]:
    """Fill defaults in place, check the schema (types, enums, required keys), apply
    `data.substitute` (`data.substitution`), build every settings block (`config.blocks`),
    then the rules across sections and `checks` (e.g. the workflow's figure options); return
    `config`.

    Raises ConfigError listing every problem found, one per line, each naming its key once
    (the rules across sections only run on a config without other problems).
    """
    schema = load_schema() if schema is None else schema
    problems = schema_problems(config, schema)
    fill_defaults(config)
    if not problems:  # data sets read in place of others (`data.substitute`), then the rest
        problems = substitute_datasets(config)
    problems += [
        line
        for line in block_problems(config)
        if not any(_same_key(line, seen) for seen in problems)
    ]
    if not problems:
        problems = [line for check in (*CHECKS, *checks) for line in check(config)]
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return config


def _same_key(line: str, seen: str) -> bool:
    """Whether the problem `seen` names the key of `line` (or an item of it: `key[1]`), or
    names it as an unknown key of its section (the schema's additional properties)."""
    key = line.partition(":")[0]
    section, _, name = key.rpartition(".")
    unknown = seen.startswith(f"{section}: Additional properties") and f"'{name}'" in seen
    return unknown or seen.startswith((f"{key}:", f"{key}["))
