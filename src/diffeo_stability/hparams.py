"""Training hyper-parameters per architecture family; the paper's values live here only.

Torch-free. A run's hyper-parameters are resolved once, when the config is read
(`config.run_hparams` -> `resolve_arch_hparams`), and handed to `diffeo-stability train
--hparams JSON`, which applies the same function (a resolved dict comes back unchanged).
Keys (identical for every family; those of `FAMILY_ONLY` keep their default elsewhere):

- optimizer: "sgd" | "adam"; lr (head / whole net), lr_body (transfer body; None = lr);
  momentum, nesterov, weight_decay.
- schedule: "cosine" (T_max = cosine_tmax_factor x epochs, not clamped: past T_max the rate
  rises again, as in the authors' code) | "cosine_steps" (cosine after every SGD step, from lr
  to 0 at the last step: for runs of a few epochs; not the authors') | "exponential" (x gamma
  per epoch) | "none".
- eval_every: the test error (model selection: the best epoch's net is probed) is measured
  every eval_every epochs and at the last one (1 = every epoch, as the authors did).
- epochs, batch_size (training), eval_batch_size (test error; "auto" = chosen for the device,
  `device.eval_batch_size`).
- augmentation: "auto" (the dataset's registry default) | "crop_flip" (random crop with
  padding crop_padding px, horizontal flip) | "none".
- input_size: side in px the transfer nets resize their inputs to (bicubic); None otherwise.
- precision: "fp32" | "bf16" (autocast on the training device; also for the test error).
- memory_format: "auto" (`device.memory_format` of the arch on the device) | "channels_last" |
  "contiguous": layout of images and conv weights in training and test error.
- compile / cuda_graph: torch.compile of the model (any device) / the same in mode
  "reduce-overhead", which replays the forward and backward passes as CUDA graphs (CUDA only,
  ignored elsewhere; the one training path not exercised by the CPU tests).
- width_factor: multiplies every channel (and hidden-unit) count of the convolutional nets
  (1.0 = the published nets; the CPU configs use narrower ones).
- max_loss_factor: the run is declared diverged when the epoch's mean training loss exceeds
  this factor times the loss at initialisation (NaN/inf always is).
- snapshot_epochs: epochs after which the weights are kept, in `snapshots/epoch{E}.pt` of the
  run (strictly increasing, each between 1 and epochs; [] = none). It changes what a run keeps,
  not how it trains (`KEPT_WHEN_SET`).
"""

from __future__ import annotations

from typing import Any

from diffeo_stability.errors import ConfigError
from diffeo_stability.models.registry import ARCHITECTURES, get_arch

_COMMON: dict[str, Any] = {
    "momentum": 0.0,
    "nesterov": False,
    "weight_decay": 0.0,
    "lr_body": None,
    "schedule": "none",
    "cosine_tmax_factor": 0.8,
    "gamma": 1.0,
    "batch_size": 128,
    "eval_batch_size": "auto",
    "eval_every": 1,
    "augmentation": "auto",
    "crop_padding": 4,
    "input_size": None,
    "precision": "fp32",
    "memory_format": "auto",
    "compile": False,
    "cuda_graph": False,
    "max_loss_factor": 100.0,
    "width_factor": 1.0,
}

#: hyper-parameters that change what a run keeps, not how it trains, with their defaults: a
#: resolved dict holds them only when set to another value, so that a run which leaves them
#: keeps its identity (metrics.json, resume checkpoint, the train job's params); read them with
#: `kept_value`
KEPT_WHEN_SET: dict[str, Any] = {"snapshot_epochs": []}

PAPER_DEFAULTS: dict[str, dict[str, Any]] = {
    "conv": _COMMON
    | {
        "optimizer": "sgd",
        "lr": 0.1,
        "momentum": 0.9,
        "weight_decay": 5e-4,
        "schedule": "cosine",
        "epochs": 250,
    },
    "fc": _COMMON | {"optimizer": "adam", "lr": 0.1, "epochs": 250},
    "transfer": _COMMON
    | {
        "optimizer": "sgd",
        "lr": 0.01,
        "lr_body": 0.001,
        "momentum": 0.9,
        "nesterov": True,
        "weight_decay": 1e-3,
        "schedule": "exponential",
        "gamma": 0.975,
        "epochs": 100,
        "input_size": 224,
    },
}

#: hyper-parameters only the networks of some families use: key -> those families; for the
#: others a value other than the family's default is an error
FAMILY_ONLY: dict[str, tuple[str, ...]] = {
    "width_factor": ("conv",),
    "input_size": ("transfer",),
    "lr_body": ("transfer",),
}

_CHOICES: dict[str, tuple[Any, ...]] = {
    "optimizer": ("sgd", "adam"),
    "schedule": ("cosine", "cosine_steps", "exponential", "none"),
    "augmentation": ("auto", "crop_flip", "none"),
    "precision": ("fp32", "bf16"),
    "memory_format": ("auto", "channels_last", "contiguous"),
}


def resolve_hparams(family: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The family's paper defaults updated with `overrides`; ConfigError on unknown keys/values."""
    if family not in PAPER_DEFAULTS:
        raise ConfigError(f"unknown family {family!r}; allowed: {', '.join(PAPER_DEFAULTS)}")
    defaults = PAPER_DEFAULTS[family]
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(defaults) - set(KEPT_WHEN_SET))
    if unknown:
        raise ConfigError(
            f"unknown hyper-parameter(s) {', '.join(unknown)} for family {family!r}; "
            f"allowed: {', '.join(sorted([*defaults, *KEPT_WHEN_SET]))}"
        )
    hparams = defaults | overrides
    for key, allowed in _CHOICES.items():
        if hparams[key] not in allowed:
            raise ConfigError(
                f"hyper-parameter {key}={hparams[key]!r}; allowed: {', '.join(allowed)}"
            )
    for key, (kinds, minimum, strict) in _RANGES.items():
        if key in _AUTO and hparams[key] == "auto":
            continue
        try:
            _check_value(key, hparams[key], kinds, minimum, strict)
        except ConfigError as err:
            raise ConfigError(f"{err}{' (or auto)' if key in _AUTO else ''}") from None
    _check_snapshot_epochs(hparams)
    return {k: v for k, v in hparams.items() if k in defaults or v != KEPT_WHEN_SET[k]}


def kept_value(hparams: dict[str, Any], key: str) -> Any:
    """The value of a `KEPT_WHEN_SET` key in resolved `hparams` (its default when absent)."""
    return hparams.get(key, KEPT_WHEN_SET[key])


def _check_snapshot_epochs(hparams: dict[str, Any]) -> None:
    """ConfigError unless snapshot_epochs is a strictly increasing list of epochs in 1..epochs."""
    value, epochs = kept_value(hparams, "snapshot_epochs"), hparams["epochs"]
    valid = isinstance(value, list) and all(
        isinstance(e, int) and not isinstance(e, bool) and 1 <= e <= epochs for e in value
    )
    if not valid or value != sorted(set(value)):
        raise ConfigError(
            f"hyper-parameter snapshot_epochs={value!r} must be a strictly increasing list of "
            f"epochs between 1 and epochs ({epochs})"
        )


def resolve_arch_hparams(arch: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """`resolve_hparams` for the family of `arch`; ConfigError naming the key, `arch` and the
    architectures that take it when a key of `FAMILY_ONLY` is set that `arch` does not use."""
    family = get_arch(arch).family
    hparams = resolve_hparams(family, overrides)
    for key, families in FAMILY_ONLY.items():
        if family not in families and hparams[key] != PAPER_DEFAULTS[family][key]:
            takers = [name for name, spec in ARCHITECTURES.items() if spec.family in families]
            raise ConfigError(
                f"hyper-parameter {key}={hparams[key]!r}: {arch} does not take it (family "
                f"{family}); architectures that do: {', '.join(takers)}"
            )
    return hparams


# key -> (accepted types, lower bound, bound excluded); None values allowed where listed
_AUTO = {"eval_batch_size"}  # keys that also take "auto" (resolved for the device)
_POSITIVE_INT = ((int,), 1, False)
_RANGES: dict[str, tuple[tuple[type, ...], float | None, bool]] = {
    "epochs": _POSITIVE_INT,
    "batch_size": _POSITIVE_INT,
    "eval_every": _POSITIVE_INT,
    "eval_batch_size": _POSITIVE_INT,
    "crop_padding": ((int,), 0, False),
    "input_size": ((int, type(None)), 1, False),
    "lr": ((int, float), 0, True),
    "lr_body": ((int, float, type(None)), 0, True),
    "momentum": ((int, float), 0, False),
    "weight_decay": ((int, float), 0, False),
    "cosine_tmax_factor": ((int, float), 0, True),
    "gamma": ((int, float), 0, True),
    "max_loss_factor": ((int, float), 0, True),
    "width_factor": ((int, float), 0, True),
    "nesterov": ((bool,), None, False),
    "compile": ((bool,), None, False),
    "cuda_graph": ((bool,), None, False),
}


def _check_value(
    key: str, value: Any, kinds: tuple[type, ...], minimum: float | None, strict: bool
) -> None:
    """ConfigError unless `value` has one of `kinds` (bool is no number) and is >= / > minimum."""
    names = {int: "an integer", float: "a number", bool: "true or false", type(None): "null"}
    wrong_type = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
    if wrong_type:
        allowed = " or ".join(names[k] for k in kinds if not (k is int and float in kinds))
        raise ConfigError(f"hyper-parameter {key}={value!r} must be {allowed}")
    if minimum is None or value is None or isinstance(value, bool):
        return
    if value < minimum or (strict and value == minimum):
        bound = f"greater than {minimum}" if strict else f"at least {minimum}"
        raise ConfigError(f"hyper-parameter {key}={value!r} must be {bound}")
