"""The `mechanisms.neuron_stability` config block: neuron stability to local linear maps.

Torch-free (config validation imports it). `parse_neuron_stability` turns the block into
`NeuronStabilitySettings` (ConfigError naming the key otherwise); `neuron_stability_problems`
checks a whole config (the block, and that its run is one of the experiments' runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diffeo_stability.errors import ConfigError

#: the local deformations, in the order of tables and figures
KINDS = ("translation", "rotation", "compression", "shear")
STATES = ("init", "trained")
#: a neuron is inactive on an image when its activation is <= 0; it counts as inactive when
#: that holds on more than this fraction of the images
INACTIVE_MAJORITY = 0.5

_DEFAULTS: dict[str, Any] = {
    "layers": None,  # required
    "images": 64,
    "transforms": 4,
    "groups": 2,
    "norm": 1.0,
    "kinds": list(KINDS),
    "states": ["trained"],
    "max_batch": 256,
}
_RUN_KEYS = ("dataset", "arch", "P", "seed")
_KEY = "mechanisms.neuron_stability"


@dataclass(frozen=True)
class NeuronStabilitySettings:
    """Neuron stability to local deformations of unit norm (see docs/conventions.md).

    run: the training run (dataset, arch, P, seed) whose networks are measured;
    layers: names of probed blocks (`models.build.layer_modules`) whose neurons are sampled;
    images: the first test images; transforms: random deformations per kind, image and neuron;
    groups: sets of neurons with non-overlapping receptive fields per layer (one forward pass
    per image, kind and transform each); norm: delta = ||R|| = ||C|| = ||S|| (translation in
    px; the others Frobenius norms of the displacement gradient); kinds, states ("init",
    "trained"); max_batch: images per forward pass. Resampling is bilinear.
    """

    dataset: str
    arch: str
    P: int | str
    seed: int
    layers: tuple[str, ...]
    images: int = 64
    transforms: int = 4
    groups: int = 2
    norm: float = 1.0
    kinds: tuple[str, ...] = KINDS
    states: tuple[str, ...] = ("trained",)
    max_batch: int = 256


def _integer(key: str, value: Any, minimum: int = 1) -> int:
    """`value` if it is an integer >= minimum; ConfigError naming the key otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{_KEY}.{key}: {value!r} must be an integer >= {minimum}")
    return value


def _subset(key: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(v not in allowed for v in value):
        raise ConfigError(
            f"{_KEY}.{key}: {value!r} must be a non-empty list of {', '.join(allowed)}"
        )
    return tuple(dict.fromkeys(value))


def parse_neuron_stability(block: dict[str, Any]) -> NeuronStabilitySettings:
    """Settings from the config block (defaults filled in); ConfigError naming the bad key."""
    if not isinstance(block, dict):
        raise ConfigError(f"{_KEY}: expected a mapping of settings, got {block!r}")
    unknown = sorted(set(block) - set(_DEFAULTS) - {"run"})
    if unknown:
        raise ConfigError(
            f"{_KEY}: unknown key(s) {', '.join(unknown)}; allowed: run, {', '.join(_DEFAULTS)}"
        )
    run = block.get("run")
    if not isinstance(run, dict) or set(run) != set(_RUN_KEYS):
        raise ConfigError(f"{_KEY}.run: give the measured run as {{{', '.join(_RUN_KEYS)}}}")
    values = _DEFAULTS | block
    layers = values["layers"]
    if not isinstance(layers, list) or not layers or not all(isinstance(x, str) for x in layers):
        raise ConfigError(f"{_KEY}.layers: give a non-empty list of layer names (e.g. conv2)")
    norm = values["norm"]
    if isinstance(norm, bool) or not isinstance(norm, int | float) or norm <= 0:
        raise ConfigError(f"{_KEY}.norm: {norm!r} must be a positive number")
    return NeuronStabilitySettings(
        dataset=run["dataset"],
        arch=run["arch"],
        P=run["P"],
        seed=_integer("run.seed", run["seed"], minimum=0),
        layers=tuple(layers),
        images=_integer("images", values["images"]),
        transforms=_integer("transforms", values["transforms"]),
        groups=_integer("groups", values["groups"]),
        norm=float(norm),
        kinds=_subset("kinds", values["kinds"], KINDS),
        states=_subset("states", values["states"], STATES),
        max_batch=_integer("max_batch", values["max_batch"]),
    )


def neuron_stability_settings(config: dict[str, Any]) -> NeuronStabilitySettings | None:
    """The settings of a validated config, or None when its block is absent."""
    block = config.get("mechanisms", {}).get("neuron_stability")
    return None if block is None else parse_neuron_stability(block)


def neuron_stability_problems(config: dict[str, Any], runs: list[tuple]) -> list[str]:
    """Problems of the block of `config` (none when absent): its keys, and its run among `runs`
    ((dataset, arch, P, seed) of the experiments) with enough test images."""
    try:
        settings = neuron_stability_settings(config)
    except ConfigError as err:
        return [str(err)]
    if settings is None:
        return []
    run = (settings.dataset, settings.arch, settings.P, settings.seed)
    # a run of a grid without training budgets (its checkpoints under P{P}/seed{seed})
    if run not in {tuple(r)[:4] for r in runs if getattr(r, "epochs", None) is None}:
        return [f"{_KEY}.run: {run} is not a run of any experiment; add it to an experiment grid"]
    return []
