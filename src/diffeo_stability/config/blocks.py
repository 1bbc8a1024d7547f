"""Config sections whose every key is a field of a settings dataclass (`settings.Settings`).

`BLOCKS` maps a section to its class: validation fills the section's missing keys with the
class's defaults (their only home) and builds the object the jobs use, so a bad value fails
before the DAG is built, named once as `<section>.<key>`. A new validated section is one entry
here (and its types in the schema). A section within a section is named by its dotted path
(`mechanisms.training_time`); its keys are left out of the enclosing section's block, if any,
as are those of the sections a rule across sections checks (`CHECKED_APART`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diffeo_stability.errors import SettingError
from diffeo_stability.mechanisms.settings import MechanismsSettings
from diffeo_stability.mechanisms.training_time_settings import TrainingTimeSettings
from diffeo_stability.probe.settings import ImagenetSettings, ProbeSettings
from diffeo_stability.settings import Settings
from diffeo_stability.tables.headline import Headline

#: the keys of `probe.headline` (its delta and cut-off rule are the probe's)
HEADLINE_KEYS = ("statistic", "noise_norm", "interpolation", "c")
BLOCKS: dict[str, type[Settings]] = {
    "probe": ProbeSettings,
    "imagenet": ImagenetSettings,
    "mechanisms": MechanismsSettings,
    "mechanisms.training_time": TrainingTimeSettings,
}
#: sections within a block that a rule across sections checks instead (`config.checks`): left
#: out of the enclosing block like the blocks of their own
CHECKED_APART = ("mechanisms.neuron_stability",)


def fill_defaults(config: dict[str, Any]) -> None:
    """Missing keys of every block (and of `probe.headline`) from their dataclasses, in place."""
    for name, cls in BLOCKS.items():
        section: Any = config
        for part in name.split("."):
            section = section.setdefault(part, {}) if isinstance(section, dict) else None
        if isinstance(section, dict):  # else the schema has said so
            for key, value in cls.config_defaults().items():
                section.setdefault(key, value)
    probe = config["probe"]
    headline = probe.setdefault("headline", {}) if isinstance(probe, dict) else None
    if isinstance(headline, dict):
        for key in HEADLINE_KEYS:
            headline.setdefault(key, getattr(Headline, key))


def block_problems(config: dict[str, Any]) -> list[str]:
    """Each block built from its section: one line per bad key, naming it."""
    return [
        f"{name}.{err.key}: {err.problem}"
        for name, cls in BLOCKS.items()
        if (section := block_section(config, name)) is not None
        for err in setting_errors(cls.from_config, section)
    ]


def block_section(config: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The keys of block `name` (a dotted path) in `config`, without the sections that are
    blocks of their own; None where the config has no such section (the schema says so)."""
    section: Any = config
    for part in name.split("."):
        section = section.get(part) if isinstance(section, dict) else None
    if not isinstance(section, dict):
        return None
    apart = {*BLOCKS, *CHECKED_APART}
    return {k: v for k, v in section.items() if f"{name}.{k}" not in apart}


def setting_errors(
    build: Callable[[dict[str, Any]], object], section: dict[str, Any]
) -> list[SettingError]:
    """Every bad key of `section`: `build` it, and again without each key it refuses."""
    section, errors = dict(section), []
    while True:
        try:
            build(section)
            return errors
        except SettingError as err:
            errors.append(err)
            if err.key not in section:
                return errors
            del section[err.key]


def named(prefix: str, err: SettingError, given: dict[str, Any]) -> str:
    """'prefix.key: problem' when the section `given` sets the key, else 'prefix: key: ...'."""
    return f"{prefix}.{err.key}: {err.problem}" if err.key in given else f"{prefix}: {err}"
