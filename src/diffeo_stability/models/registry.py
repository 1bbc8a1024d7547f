"""Registry of the architectures: names, families and the structural facts Fig. 5 needs.

Pure Python on purpose (no torch): the Snakefile and the config schema import it.

`depth` counts the weight layers (convolutions and linear maps) along the main path of the
network as built in this package: shortcut projections and squeeze-excitation maps are not
counted. `builder` is "module:function"; the function is called as
`function(in_channels, image_size, num_classes, **options, **arch_kwargs)` and returns the body
of the network (the normalisation is added by `diffeo_stability.models.build.build_model`).
"""

from __future__ import annotations

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

ARCHITECTURES: dict[str, ArchSpec] = {spec.name: spec for spec in _SPECS}


def get_arch(name: str) -> ArchSpec:
    """Registry entry for `name`; raises ConfigError naming the allowed architectures."""
    from diffeo_stability.errors import lookup

    return lookup(ARCHITECTURES, name, "architecture")
