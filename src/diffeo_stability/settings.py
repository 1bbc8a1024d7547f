"""What every settings dataclass shares (torch-free): building it from a config section or a
JSON document (lists become tuples), its defaults as config values, and the checks of a value.

A settings class is a frozen dataclass whose fields are its config keys, whose field defaults
are the only defaults of those keys, and whose `__post_init__` checks every value once
(`SettingError` naming the field). Config validation builds the same objects the jobs use
(`config.blocks`); rules hand them to commands as one JSON document (`to_json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, asdict, fields
from typing import Any, Self

from diffeo_stability.errors import ConfigError, SettingError


class Settings:
    """Mixin of the frozen settings dataclasses."""

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> Self:
        """From a config section (or JSON object) of field names; absent keys keep defaults."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(section) - known)
        if unknown:
            raise SettingError(unknown[0], f"unknown key; allowed: {', '.join(sorted(known))}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in section.items()})

    @classmethod
    def config_defaults(cls) -> dict[str, Any]:
        """The field defaults as config values (tuples as lists); fields without one omitted."""
        defaults = {}
        for f in fields(cls):  # type: ignore[arg-type]
            if f.default_factory is not MISSING:
                defaults[f.name] = f.default_factory()
            elif f.default is not MISSING:
                defaults[f.name] = list(f.default) if isinstance(f.default, tuple) else f.default
        return defaults

    def as_config(self) -> dict[str, Any]:
        """Every field as a config value (tuples as lists)."""
        values = asdict(self)  # type: ignore[call-overload]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}

    def to_json(self) -> str:
        """One JSON object of every field (`from_json` reads it back)."""
        return json.dumps(self.as_config(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str, option: str) -> Self:
        """From the JSON object given to the command `option` (some keys, or all of them)."""
        try:
            values = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{option} is not valid JSON ({err})") from None
        if not isinstance(values, dict):
            raise ConfigError(f"{option} must be a JSON object")
        try:
            return cls.from_config(values)
        except SettingError as err:
            raise ConfigError(f"{option}: {err}") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_int(key: str, value: Any, minimum: int, *, allow: Iterable[Any] = ()) -> None:
    """SettingError unless `value` is an integer >= minimum (or one of `allow`)."""
    if isinstance(value, str) and value in tuple(allow):
        return
    if not _is_int(value) or value < minimum:
        extra = "".join(f" or {v!r}" for v in allow)
        raise SettingError(key, f"{value!r} must be an integer >= {minimum}{extra}")


def check_number(key: str, value: Any, above: float, *, strict: bool = True) -> None:
    """SettingError unless `value` is a number > above (>= above with strict=False)."""
    if not _is_number(value) or value < above or (strict and value == above):
        bound = f"> {above:g}" if strict else f">= {above:g}"
        raise SettingError(key, f"{value!r} must be a number {bound}")


def check_choice(key: str, value: Any, allowed: Iterable[Any]) -> None:
    """SettingError unless `value` is one of `allowed`."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise SettingError(
            key, f"{value!r} is not allowed; allowed: {', '.join(map(str, allowed))}"
        )


def check_bool(key: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise SettingError(key, f"{value!r} must be true or false")


def check_each(key: str, values: Any, check: Any, *, nonempty: bool = True) -> None:
    """`check(key, value)` for each value of the tuple `values` (a non-empty one if asked)."""
    if not isinstance(values, tuple) or (nonempty and not values):
        raise SettingError(key, f"{values!r} must be a {'non-empty ' if nonempty else ''}list")
    for value in values:
        check(key, value)
