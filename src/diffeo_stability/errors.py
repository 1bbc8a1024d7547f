"""Exceptions for problems the user can fix (bad config, bad data, diverging runs).

The CLI turns these into a one-line error message and exit status 1; anything else is a bug
and keeps its traceback.
"""


class DiffeoStabilityError(Exception):
    """Base class of errors caused by input, configuration or data, not by a bug."""


class ConfigError(DiffeoStabilityError):
    """An invalid configuration value (names the key and the allowed values)."""


class DataError(DiffeoStabilityError):
    """Missing, corrupted or unverifiable dataset files."""


class TrainingDivergedError(DiffeoStabilityError):
    """The training loss became NaN/inf or diverged."""


class MissingWeightsError(DiffeoStabilityError):
    """Pretrained weights that an experiment needs are not available locally."""
