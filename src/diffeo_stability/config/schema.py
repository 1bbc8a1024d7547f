"""The JSON schema of the configuration: types, enums, required keys (no ranges, no setting
defaults: those live in the settings dataclasses, see `config.blocks`)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The JSON schema of the configuration (YAML file)."""
    with open(path) as handle:
        return yaml.safe_load(handle)


def schema_problems(config: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Fill the schema's (section) defaults in place; one line per problem, naming its key."""
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    return sorted({_describe(e) for e in _leaf_errors(validator.iter_errors(config))})


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
    if error.validator == "minItems" and error.validator_value == 1:
        return f"{key}: must not be empty"
    if error.validator == "additionalProperties":
        return f"{key or 'config'}: {error.message} (see config/README.md for the known keys)"
    return f"{key}: {error.message}"


def _leaf_errors(
    errors: Iterable[jsonschema.ValidationError],
) -> Iterator[jsonschema.ValidationError]:
    """Report `allOf` / `anyOf` failures by their own sub-errors (those naming the problem); of
    an `anyOf` whose branches include a list of allowed values, that branch alone (an unknown
    architecture is named once, with the allowed names, not also against the pattern of the
    sized local nets)."""
    for error in errors:
        if error.validator in ("allOf", "anyOf") and error.context:
            enums = [e for e in error.context if e.validator == "enum"]
            yield from _leaf_errors(
                enums if error.validator == "anyOf" and enums else error.context
            )
        else:
            yield error
