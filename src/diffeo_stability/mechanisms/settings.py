"""Settings of the mechanisms stage: the config block `mechanisms` (torch-free, read while the
workflow builds its DAG). The one home of every default and range check of the stage; the
config schema only types the block.

`MechanismsSettings` holds the selection of nets (architectures, data sets, seeds; always the
largest P of each) and one frozen sub-block dataclass per analysis, each built from the
config's mapping of the same name (`MechanismsSettings.from_config`, the `mechanisms` entry of
`config.blocks.BLOCKS`). To add a sub-block (e.g. a sibling stage): define a frozen
`settings.Settings` dataclass whose fields all have defaults and whose `__post_init__` raises
`SettingError` on a bad value, and add one field line to `MechanismsSettings`, e.g.

    training_time: TrainingTimeSettings = field(default_factory=TrainingTimeSettings)

Nothing else changes: the schema accepts any sub-block object, `from_config` builds it with the
sub-block's own `from_config` (lists become tuples) and refuses keys it does not have.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Protocol, Self

from diffeo_stability.errors import SettingError
from diffeo_stability.settings import Settings

#: the analyses that measure nets (one table per run and analysis) and the one that does not
NET_ANALYSES = ("distance", "operations", "spectra", "shuffle", "filters")
FIELD_ANALYSES = ("diffeo_parts",)
ANALYSES = NET_ANALYSES + FIELD_ANALYSES


def _check(condition: bool, key: str, message: str) -> None:
    if not condition:
        raise SettingError(key, message)


def _positive_grid(values: Sequence[float], key: str) -> None:
    _check(
        len(values) > 0 and all(math.isfinite(v) and v > 0 for v in values),
        key,
        f"must be a non-empty list of positive numbers, got {list(values)}",
    )


@dataclass(frozen=True)
class DistanceSettings(Settings):
    """Item 1, stability against distance from the data: `n_images` first test images; isotropic
    noise and noise towards another test image at `noise_points` norms r log-spaced over
    `noise_range` (pixel units, images in [0, 1]); diffeos at displacements `deltas` (pixels);
    the segment x -> z at fractions `lambdas`."""

    n_images: int = 200
    noise_range: tuple[float, float] = (0.03, 100.0)
    noise_points: int = 14
    deltas: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)
    lambdas: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)

    def __post_init__(self) -> None:
        _check(self.n_images >= 2, "n_images", "must be at least 2")
        _check(self.noise_points >= 1, "noise_points", "must be at least 1")
        _positive_grid(self.noise_range, "noise_range")
        _check(
            len(self.noise_range) == 2 and self.noise_range[0] <= self.noise_range[1],
            "noise_range",
            "must be [low, high] with low <= high",
        )
        _positive_grid(self.deltas, "deltas")
        _positive_grid(self.lambdas, "lambdas")
        _check(max(self.lambdas) <= 1, "lambdas", "fractions must be in (0, 1]")


@dataclass(frozen=True)
class OperationsSettings(Settings):
    """Item 2, R_f after every operation: `n_images` first test images (every operation's
    output of every image is held in memory: about 1 MB per image for VGG16bn at 1/4 width)."""

    n_images: int = 200

    def __post_init__(self) -> None:
        _check(self.n_images >= 2, "n_images", "must be at least 2")


@dataclass(frozen=True)
class SpectraSettings(Settings):
    """Item 3, activation power spectra of every block: `n_images` first test images."""

    n_images: int = 200

    def __post_init__(self) -> None:
        _check(self.n_images >= 1, "n_images", "must be at least 1")


@dataclass(frozen=True)
class ShuffleSettings(Settings):
    """Item 4, shuffled channels: R_f on `n_images` first test images and the test error on the
    first `n_test` test images, for `permutations` random channel orders per hidden block."""

    n_images: int = 200
    n_test: int = 2000
    permutations: int = 3

    def __post_init__(self) -> None:
        _check(self.n_images >= 2, "n_images", "must be at least 2")
        _check(self.n_test >= 1, "n_test", "must be at least 1")
        _check(self.permutations >= 1, "permutations", "must be at least 1")


@dataclass(frozen=True)
class DiffeoPartsSettings(Settings):
    """Item 5, what a diffeo is made of: `samples` fields per cut-off c of `cutoffs`, on a
    `size` x `size` pixel grid, at the probe's delta; the non-translation part on square
    patches of `patch_sizes` pixels."""

    samples: int = 2000
    cutoffs: tuple[float, ...] = (2.0, 3.0, 5.0, 8.0, 12.0, 15.0)
    size: int = 32
    patch_sizes: tuple[int, ...] = (3, 5, 9, 17)

    def __post_init__(self) -> None:
        _check(self.samples >= 2, "samples", "must be at least 2")
        _check(
            len(self.cutoffs) > 0 and all(c > 1 for c in self.cutoffs),
            "cutoffs",
            "must be a non-empty list of values > 1",
        )
        _check(self.size >= 4, "size", "must be at least 4 pixels")
        _check(
            len(self.patch_sizes) > 0 and all(2 <= p <= self.size for p in self.patch_sizes),
            "patch_sizes",
            f"must be a non-empty list of sides in 2..size ({self.size})",
        )


#: the nets the stage measures unless the config says otherwise
DEFAULT_ARCHS = ("ResNet18", "VGG11", "VGG11bn", "VGG16", "VGG16bn", "VGG19", "VGG19bn")


@dataclass(frozen=True)
class MechanismsSettings(Settings):
    """The `mechanisms` block. Nets: every configured run of an architecture of `archs` on a
    data set of `datasets` (empty: all) with a seed of `seeds` (empty: the smallest seed of
    each data set and architecture), at the largest P ('full' counts as the largest) of each
    data set and architecture. One sub-block per analysis (see the module docstring)."""

    archs: tuple[str, ...] = DEFAULT_ARCHS
    datasets: tuple[str, ...] = ()
    seeds: tuple[int, ...] = ()
    distance: DistanceSettings = field(default_factory=DistanceSettings)
    operations: OperationsSettings = field(default_factory=OperationsSettings)
    spectra: SpectraSettings = field(default_factory=SpectraSettings)
    shuffle: ShuffleSettings = field(default_factory=ShuffleSettings)
    diffeo_parts: DiffeoPartsSettings = field(default_factory=DiffeoPartsSettings)

    def __post_init__(self) -> None:
        from diffeo_stability.data.registry import DATASETS
        from diffeo_stability.models.registry import ARCHITECTURES

        unknown = sorted(set(self.archs) - set(ARCHITECTURES))
        _check(not unknown, "archs", f"unknown architectures {unknown}")
        unknown = sorted(set(self.datasets) - set(DATASETS))
        _check(not unknown, "datasets", f"unknown data sets {unknown}")
        _check(all(s >= 0 for s in self.seeds), "seeds", "must be non-negative")

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> Self:
        """From the config's `mechanisms` mapping (absent keys keep their defaults; sub-blocks
        built by their own `from_config`, lists as tuples); SettingError naming the key."""
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(section) - set(known))
        if unknown:
            raise SettingError(unknown[0], f"unknown key; known: {', '.join(known)}")
        values = {}
        for name, value in section.items():
            spec = known[name]
            default = spec.default if spec.default_factory is MISSING else spec.default_factory()
            if isinstance(default, Settings):
                values[name] = _sub_block(type(default), value, name)
            else:
                values[name] = tuple(value) if isinstance(value, list | tuple) else value
        return cls(**values)

    @classmethod
    def config_defaults(cls) -> dict[str, Any]:
        """Every default as config values (sub-blocks as mappings, tuples as lists)."""
        return cls().as_config()

    def as_config(self) -> dict[str, Any]:
        """Every field as config values (sub-blocks as mappings, tuples as lists)."""
        return _plain(asdict(self))


def _plain(value: Any) -> Any:
    """Mappings and sequences of `value` as dicts and lists (a config value)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, list | tuple) else value


def _sub_block(kind: type[Settings], mapping: Any, where: str) -> Settings:
    """`kind.from_config(mapping)`; SettingError naming `where.key`."""
    if not isinstance(mapping, Mapping):
        raise SettingError(where, "must be a mapping of keys to values")
    try:
        return kind.from_config(mapping)
    except SettingError as err:
        raise SettingError(f"{where}.{err.key}", err.problem) from None


class RunLike(Protocol):
    dataset: str
    arch: str
    P: int | str
    seed: int


def _size_order(P: int | str) -> float:
    return math.inf if P == "full" else float(P)


def selected_runs(settings: MechanismsSettings, runs: Iterable[RunLike]) -> list[RunLike]:
    """The runs the stage measures (see `MechanismsSettings`), in the order of `runs`."""
    runs = [
        r
        for r in runs
        if r.arch in settings.archs and (not settings.datasets or r.dataset in settings.datasets)
    ]
    largest: dict[tuple[str, str], float] = {}
    for r in runs:
        key = (r.dataset, r.arch)
        largest[key] = max(largest.get(key, -math.inf), _size_order(r.P))
    runs = [r for r in runs if _size_order(r.P) == largest[(r.dataset, r.arch)]]
    if settings.seeds:
        return [r for r in runs if r.seed in settings.seeds]
    first: dict[tuple[str, str], int] = {}
    for r in runs:
        first[(r.dataset, r.arch)] = min(first.get((r.dataset, r.arch), r.seed), r.seed)
    return [r for r in runs if r.seed == first[(r.dataset, r.arch)]]
