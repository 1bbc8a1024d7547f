"""Training hyper-parameters per architecture family; the paper's values live here only.

Torch-free. `HParams` (frozen) holds a run's values and checks each once; its field defaults
are those common to every family, `FAMILY_DEFAULTS` the paper's values that differ by family.
A run's hyper-parameters are resolved when the config is validated (`config.run_hparams` ->
`resolve_arch_hparams`) and handed to `diffeo-stability train --hparams JSON`, which builds the
same `HParams` (a resolved document comes back unchanged).
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
  padding crop_padding px, horizontal flip) | "none" | "diffeo" (one max-entropy diffeo per
  image and epoch, `training.diffeo_augment`) | "crop_flip+diffeo" (crop and flip, then the
  diffeo, the authors' order).
- diffeo_cut_min, diffeo_cut_max: bounds of the integer cut-off c of the diffeo augmentation
  (authors' code: 1 and 15; c = 1 is refused: T's bounds divide by log c = 0);
  diffeo_cut_beta, diffeo_temperature_beta: (alpha, beta) of the Beta distributions of c
  between its bounds and of T between T_min(c) (delta = 1/2 px) and T_max(c) (overhangs).
  They are part of a run's hyper-parameters only when its augmentation draws diffeos
  (`as_config`), so the other runs keep their identity.
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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from diffeo_stability.errors import ConfigError, SettingError
from diffeo_stability.models.registry import ARCHITECTURES, get_arch
from diffeo_stability.settings import Settings, check_bool, check_choice, check_int, check_number

SCHEDULES = ("cosine", "cosine_steps", "exponential", "none")
OPTIMIZERS = ("sgd", "adam")
AUGMENTATIONS = ("auto", "crop_flip", "none", "diffeo", "crop_flip+diffeo")
PRECISIONS = ("fp32", "bf16")
MEMORY_FORMATS = ("auto", "channels_last", "contiguous")

#: hyper-parameters that change what a run keeps, not how it trains: `HParams.as_config` (and so
#: `to_json`, metrics.json, the resume identity, the train job's --hparams) holds them only when
#: set to another value than their default, so that a run which leaves them keeps its identity
KEPT_WHEN_SET = ("snapshot_epochs",)
#: the diffeo augmentation's settings: `HParams.as_config` holds them only for a run whose
#: augmentation draws diffeos, so that the other runs keep their identity
DIFFEO_KEYS = ("diffeo_cut_min", "diffeo_cut_max", "diffeo_cut_beta", "diffeo_temperature_beta")


def augmentation_parts(augmentation: str) -> tuple[str, ...]:
    """The transforms of an augmentation name in the order they apply: "crop_flip+diffeo" ->
    ("crop_flip", "diffeo"), "none" -> (); "auto" must be resolved first."""
    if augmentation == "auto":
        raise ValueError("resolve 'auto' to the dataset's augmentation first")
    return () if augmentation == "none" else tuple(augmentation.split("+"))


@dataclass(frozen=True)
class HParams(Settings):
    """One run's training hyper-parameters (see the module docstring for each key)."""

    optimizer: str
    lr: float
    epochs: int
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    lr_body: float | None = None
    schedule: str = "none"
    cosine_tmax_factor: float = 0.8
    gamma: float = 1.0
    batch_size: int = 128
    eval_batch_size: int | str = "auto"
    eval_every: int = 1
    augmentation: str = "auto"
    crop_padding: int = 4
    input_size: int | None = None
    precision: str = "fp32"
    memory_format: str = "auto"
    compile: bool = False
    cuda_graph: bool = False
    max_loss_factor: float = 100.0
    width_factor: float = 1.0
    snapshot_epochs: tuple[int, ...] = ()
    diffeo_cut_min: int = 2
    diffeo_cut_max: int = 15
    diffeo_cut_beta: tuple[float, float] = (1.0, 1.0)
    diffeo_temperature_beta: tuple[float, float] = (1.0, 1.0)

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("augmentation", self.augmentation, AUGMENTATIONS)
        check_choice("precision", self.precision, PRECISIONS)
        check_choice("memory_format", self.memory_format, MEMORY_FORMATS)
        for key in ("epochs", "batch_size", "eval_every"):
            check_int(key, getattr(self, key), 1)
        check_int("eval_batch_size", self.eval_batch_size, 1, allow=("auto",))
        check_int("crop_padding", self.crop_padding, 0)
        if self.input_size is not None:
            check_int("input_size", self.input_size, 1)
        for key in ("lr", "cosine_tmax_factor", "gamma", "max_loss_factor", "width_factor"):
            check_number(key, getattr(self, key), 0.0)
        if self.lr_body is not None:
            check_number("lr_body", self.lr_body, 0.0)
        for key in ("momentum", "weight_decay"):
            check_number(key, getattr(self, key), 0.0, strict=False)
        for key in ("nesterov", "compile", "cuda_graph"):
            check_bool(key, getattr(self, key))
        self._check_snapshots()
        self._check_diffeo()

    def as_config(self) -> dict[str, Any]:
        """Every field as a config value, but those of `KEPT_WHEN_SET` at their default and
        those of `DIFFEO_KEYS` when the augmentation draws no diffeo."""
        values, defaults = super().as_config(), self.config_defaults()
        draws = self.augmentation != "auto" and "diffeo" in augmentation_parts(self.augmentation)
        unused = () if draws else DIFFEO_KEYS
        return {
            k: v
            for k, v in values.items()
            if k not in unused and (k not in KEPT_WHEN_SET or v != defaults[k])
        }

    def _check_snapshots(self) -> None:
        snapshots = self.snapshot_epochs
        if not isinstance(snapshots, tuple):
            raise SettingError("snapshot_epochs", f"{snapshots!r} must be a list of epochs")
        for epoch in snapshots:
            check_int("snapshot_epochs", epoch, 1)
        if any(b <= a for a, b in zip(snapshots, snapshots[1:], strict=False)):
            raise SettingError("snapshot_epochs", f"{list(snapshots)} must strictly increase")
        if snapshots and snapshots[-1] > self.epochs:
            raise SettingError(
                "snapshot_epochs", f"{snapshots[-1]} is after the last epoch ({self.epochs})"
            )

    def _check_diffeo(self) -> None:
        if self.diffeo_cut_min == 1:
            raise SettingError(
                "diffeo_cut_min", "1 is not allowed: T's bounds divide by log c = 0 (use >= 2)"
            )
        check_int("diffeo_cut_min", self.diffeo_cut_min, 2)
        check_int("diffeo_cut_max", self.diffeo_cut_max, self.diffeo_cut_min)
        for key in ("diffeo_cut_beta", "diffeo_temperature_beta"):
            pair = getattr(self, key)
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise SettingError(key, f"{pair!r} must be a list [alpha, beta]")
            for value in pair:
                check_number(key, value, 0.0)


#: the paper's values that differ from `HParams`' defaults, per architecture family
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "conv": {
        "optimizer": "sgd",
        "lr": 0.1,
        "momentum": 0.9,
        "weight_decay": 5e-4,
        "schedule": "cosine",
        "epochs": 250,
    },
    "fc": {"optimizer": "adam", "lr": 0.1, "epochs": 250},
    "transfer": {
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
#: every hyper-parameter of each family's paper run (derived: `HParams` + `FAMILY_DEFAULTS`;
#: with those of `KEPT_WHEN_SET`, which a run's `as_config` leaves out at their default)
PAPER_DEFAULTS: dict[str, dict[str, Any]] = {
    family: HParams.config_defaults() | HParams(**values).as_config()
    for family, values in FAMILY_DEFAULTS.items()
}

#: hyper-parameters only the networks of some families use: key -> those families; for the
#: others a value other than the family's default is an error
FAMILY_ONLY: dict[str, tuple[str, ...]] = {
    "width_factor": ("conv",),
    "input_size": ("transfer",),
    "lr_body": ("transfer",),
}


def resolve_hparams(family: str, overrides: Mapping[str, Any] | None = None) -> HParams:
    """The family's paper values updated with `overrides` (names as in `HParams`; lists for
    tuples); SettingError naming the first unknown key or bad value."""
    if family not in FAMILY_DEFAULTS:
        raise ConfigError(f"unknown family {family!r}; allowed: {', '.join(FAMILY_DEFAULTS)}")
    return HParams.from_config({**FAMILY_DEFAULTS[family], **(overrides or {})})


def resolve_arch_hparams(arch: str, overrides: Mapping[str, Any] | None = None) -> HParams:
    """`resolve_hparams` for the family of `arch`; SettingError naming the key, `arch` and the
    architectures that take it when a key of `FAMILY_ONLY` is set that `arch` does not use."""
    family = get_arch(arch).family
    hparams = resolve_hparams(family, overrides)
    paper = PAPER_DEFAULTS[family]
    for key, families in FAMILY_ONLY.items():
        if family not in families and getattr(hparams, key) != paper[key]:
            takers = [name for name, spec in ARCHITECTURES.items() if spec.family in families]
            raise SettingError(
                key,
                f"{getattr(hparams, key)!r}: {arch} does not take it (family {family}); "
                f"architectures that do: {', '.join(takers)}",
            )
    return hparams
