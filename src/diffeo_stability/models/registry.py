"""Registry of the architectures: names, families and the structural facts Fig. 5 needs.

Pure Python on purpose (no torch): the Snakefile and the config schema import it.

`depth` counts the weight layers (convolutions and linear maps) along the main path of the
network as built in this package: shortcut projections and squeeze-excitation maps are not
counted. `builder` is "module:function"; the function is called as
`function(in_channels, image_size, num_classes, **options, **arch_kwargs)` and returns the body
of the network (the normalisation is added by `diffeo_stability.models.build.build_model`).

The simple local nets of the mechanisms analyses (`models/local.py`) take their sizes from their
names: `LocalCNN` / `LocalLCN` (one convolution / locally connected layer, all trained) and
`LocalCNN-readout` / `LocalLCN-readout` (only the read-out trained, on frozen random filters),
each optionally followed by `-h{channels}`, `-f{filter size}`, `-p{pool size}` in that order
(`LocalLCN-readout-h256-p8`); an omitted size takes `LOCAL_DEFAULTS`. `ARCHITECTURES` lists the
four names with default sizes; looking up any valid local name in it (`[]`, `in`, `get`) gives
its spec, so every (dataset, arch, P, seed) cell of a sweep over h, f_s, p_s is its own run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Family = Literal["fc", "conv", "transfer"]


@dataclass(frozen=True)
class ArchSpec:
    """One architecture: family ("fc" | "conv" | "transfer"), depth (weight layers), flags."""

    name: str
    family: Family
    depth: int
    batchnorm: bool
    skip: bool
    transfer: bool
    builder: str
    options: dict[str, Any] = field(default_factory=dict)
    variant_of: str = ""  # a local net with sizes in its name: the registered name it varies


_M = "diffeo_stability.models"


def _fc(depth: int) -> ArchSpec:
    return ArchSpec(
        f"FullConnL{depth}",
        "fc",
        depth,
        False,
        False,
        False,
        f"{_M}.fc:full_conn",
        {"n_layers": depth},
    )


def _vgg(config: str, depth: int, batchnorm: bool) -> ArchSpec:
    name = config + ("bn" if batchnorm else "")
    return ArchSpec(
        name,
        "conv",
        depth,
        batchnorm,
        False,
        False,
        f"{_M}.vgg:vgg",
        {"config": config, "batchnorm": batchnorm},
    )


def _resnet(depth: int) -> ArchSpec:
    return ArchSpec(
        f"ResNet{depth}", "conv", depth, True, True, False, f"{_M}.resnet:resnet", {"depth": depth}
    )


def _transfer(variant: str, depth: int) -> ArchSpec:
    return ArchSpec(
        f"EfficientNet{variant}-transfer",
        "transfer",
        depth,
        True,
        True,
        True,
        f"{_M}.transfer:efficientnet_transfer",
        {"variant": variant.lower()},
    )


_SPECS: tuple[ArchSpec, ...] = (
    _fc(2),
    _fc(4),
    _fc(6),
    ArchSpec("LeNet", "conv", 5, False, False, False, f"{_M}.lenet:lenet"),
    ArchSpec("AlexNet", "conv", 8, False, False, False, f"{_M}.alexnet:alexnet"),
    _vgg("VGG11", 9, False),
    _vgg("VGG11", 9, True),
    _vgg("VGG16", 14, False),
    _vgg("VGG16", 14, True),
    _vgg("VGG19", 17, False),
    _vgg("VGG19", 17, True),
    _resnet(18),
    _resnet(34),
    _resnet(50),
    ArchSpec("EfficientNetB0", "conv", 49, True, True, False, f"{_M}.efficientnet:efficientnet_b0"),
    _transfer("B0", 50),
    _transfer("B2", 70),
)

#: sizes of the simple local nets when their name does not give them: hidden channels h,
#: filter side f_s (px, odd: "same" padding), average-pool side p_s (px)
LOCAL_DEFAULTS = {"h": 16, "f": 5, "p": 4}
LOCAL_LAYERS = {"CNN": "conv", "LCN": "locally_connected"}
#: a local net's name: layer, read-out-only flag, optional sizes (h, f_s, p_s, in that order)
#: (the filter size is odd)
LOCAL_NAME = (
    r"Local(CNN|LCN)(-readout)?(-h[1-9][0-9]*)?(-f[1-9][0-9]*[13579]|-f[13579])?(-p[1-9][0-9]*)?"
)


def local_spec(name: str) -> ArchSpec | None:
    """The spec of the simple local net `name` (see the module docstring); None if `name` is
    not one."""
    match = re.fullmatch(LOCAL_NAME, name)
    if match is None:
        return None
    layer, readout = match.group(1), bool(match.group(2))
    sizes = dict(LOCAL_DEFAULTS)
    for group in match.groups()[2:]:
        if group:
            sizes[group[1]] = int(group[2:])
    base = f"Local{layer}" + ("-readout" if readout else "")
    options = {
        "layer": LOCAL_LAYERS[layer],
        "train_filters": not readout,
        "channels": sizes["h"],
        "filter_size": sizes["f"],
        "pool_size": sizes["p"],
    }
    variant_of = "" if name == base else base
    builder = f"{_M}.local:local_net"
    return ArchSpec(name, "conv", 2, False, False, False, builder, options, variant_of)


def is_local(spec: ArchSpec) -> bool:
    """Whether `spec` is one of the simple local nets."""
    return spec.options.get("layer") in LOCAL_LAYERS.values()


def any_local(archs: Iterable[str]) -> bool:
    """Whether one of the architecture names `archs` is a simple local net."""
    return any(is_local(ARCHITECTURES[arch]) for arch in archs)


def local_cost_factor(spec: ArchSpec) -> float:
    """Multiply-adds of a local net's hidden layer relative to its registered default
    (h f_s^2 / (h_0 f_0^2)); 1.0 for any other architecture."""
    if not is_local(spec):
        return 1.0
    default = LOCAL_DEFAULTS["h"] * LOCAL_DEFAULTS["f"] ** 2
    return spec.options["channels"] * spec.options["filter_size"] ** 2 / default


class ArchRegistry(Mapping[str, ArchSpec]):
    """The registered architectures (iteration, len) plus every local net named with its
    sizes (lookup only: `[]`, `in`, `get`)."""

    def __init__(self, specs: tuple[ArchSpec, ...]) -> None:
        self._specs = {spec.name: spec for spec in specs}

    def __getitem__(self, name: str) -> ArchSpec:
        if name in self._specs:
            return self._specs[name]
        spec = local_spec(name) if isinstance(name, str) else None
        if spec is None:
            raise KeyError(name)
        return spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


def _local_defaults() -> tuple[ArchSpec, ...]:
    """The four simple local nets with default sizes."""
    names = [f"Local{layer}{suffix}" for layer in LOCAL_LAYERS for suffix in ("", "-readout")]
    return tuple(spec for spec in map(local_spec, names) if spec is not None)


ARCHITECTURES = ArchRegistry(_SPECS + _local_defaults())
#: a regular expression matching every architecture name (Snakemake's wildcard constraint)
ARCH_PATTERN = "|".join([*map(re.escape, ARCHITECTURES), LOCAL_NAME.replace("(", "(?:")])


def get_arch(name: str) -> ArchSpec:
    """Registry entry for `name`; raises ConfigError naming the allowed architectures."""
    from diffeo_stability.errors import ConfigError, lookup

    try:
        return lookup(ARCHITECTURES, name, "architecture")
    except ConfigError as err:
        syntax = "LocalCNN|LocalLCN[-readout][-h<channels>][-f<odd filter size>][-p<pool size>]"
        raise ConfigError(f"{err}; or a simple local net {syntax}") from None
