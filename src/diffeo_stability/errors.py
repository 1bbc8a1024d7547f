"""Exceptions for problems the user can fix (bad config, bad data, diverging runs).

The CLI turns these into a one-line error message and exit status 1; anything else is a bug
and keeps its traceback.
"""

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


class DiffeoStabilityError(Exception):
    """Base class of errors caused by input, configuration or data, not by a bug."""


class ConfigError(DiffeoStabilityError):
    """An invalid configuration value (names the key and the allowed values)."""


class SettingError(ConfigError):
    """A bad value of one setting of a settings dataclass: `key` is the field (its config key),
    `problem` what is wrong and what is allowed. Config validation prefixes the section."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


class DataError(DiffeoStabilityError):
    """Missing, corrupted or unverifiable dataset files."""


class BrokenFileError(DiffeoStabilityError):
    """A workflow file that is missing or cannot be read (truncated, corrupted, wrong format)."""


class TrainingDivergedError(DiffeoStabilityError):
    """The training loss became NaN/inf or diverged."""


class MissingWeightsError(DiffeoStabilityError):
    """Pretrained weights that an experiment needs are not available locally."""


def lookup(table: Mapping[str, T], name: str, what: str) -> T:
    """`table[name]`, or a ConfigError naming `what` was unknown and the allowed names."""
    try:
        return table[name]
    except KeyError:
        raise ConfigError(f"unknown {what} {name!r}; allowed: {', '.join(table)}") from None
