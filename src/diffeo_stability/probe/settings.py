"""What a probe job measures: `ProbeSettings` (the config's `probe` section, per run) and
`ImagenetSettings` (the `imagenet` section). Torch-free: config validation builds the same
objects the probe jobs use, and every value is checked here, once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Self

from diffeo_stability.diffeo.names import CUTOFF_RULES, DEFAULT_CUTOFF_RULE, INTERPOLATIONS
from diffeo_stability.errors import SettingError
from diffeo_stability.settings import (
    Settings,
    check_bool,
    check_choice,
    check_each,
    check_int,
    check_number,
)


def as_floats(settings: Settings, *names: str) -> None:
    """Store the numbers of the tuple fields `names` as floats (a config's 3 is c = 3.0)."""
    for name in names:
        values = getattr(settings, name)
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            object.__setattr__(settings, name, tuple(float(v) for v in values))


NOISE_NORMS = ("per_image", "mean")
#: the keys `probe.overrides` may set per run
RUN_KEYS = ("cutoffs", "interpolations", "sweep_points", "layers", "adversarial")
#: interpolations the adversarial search can differentiate through (not `nearest`)
ADVERSARIAL_INTERPOLATIONS = ("bilinear", "gaussian")


def check_cutoff(key: str, c: Any) -> None:
    """The cut-off c keeps at least the modes i, j = 1: c > 1."""
    check_number(key, c, 1.0)


@dataclass(frozen=True)
class ProbeSettings(Settings):
    """What to measure on `n_probe` test images (the first ones). `cutoffs`: values of c (> 1);
    `sweep_range` = (a, b): the delta sweep spans T_min * a .. T_max * b in `sweep_points`
    log-spaced temperatures (0: no sweep); `deltas`: the single points (pixels; point name
    ``delta{d:g}``, e.g. ``delta1``), where per-block rows are taken when `layers`;
    `noise_norms`: the conventions measured (each one more forward group per point);
    `max_batch` caps the images per forward pass (None: `probe.measure.forward_batch`).
    The config's `probe.delta` is the one value of `deltas`.

    `adversarial` (off by default) adds, at the delta points of `adversarial_interpolation`
    and each c of `adversarial_cutoffs` (both among those measured), the output-layer
    columns of adversarial diffeos and worst-case noise (`probe.adversarial`):
    `adversarial_restarts` random starts of `adversarial_steps` projected gradient steps of
    `adversarial_step_size` times the constraint sphere's radius, for each of the two
    searches (their cost: benchmarks/adversarial_benchmark.py)."""

    n_probe: int = 500
    cutoffs: tuple[float, ...] = (3.0, 5.0, 15.0)
    cutoff_rule: str = DEFAULT_CUTOFF_RULE
    interpolations: tuple[str, ...] = ("bilinear", "gaussian")
    deltas: tuple[float, ...] = (1.0,)
    sweep_points: int = 30
    sweep_range: tuple[float, float] = (0.0666667, 2.0)
    layers: bool = True
    noise_norms: tuple[str, ...] = ("per_image",)
    max_batch: int | None = None
    adversarial: bool = False
    adversarial_cutoffs: tuple[float, ...] = (3.0,)
    adversarial_interpolation: str = "bilinear"
    adversarial_steps: int = 4
    adversarial_restarts: int = 1
    adversarial_step_size: float = 1.0

    def __post_init__(self) -> None:
        check_int("n_probe", self.n_probe, 2)
        check_each("cutoffs", self.cutoffs, check_cutoff)
        check_choice("cutoff_rule", self.cutoff_rule, CUTOFF_RULES)
        check_each("interpolations", self.interpolations, partial(_member, INTERPOLATIONS))
        check_each("delta", self.deltas, partial(check_number, above=0.0))
        check_int("sweep_points", self.sweep_points, 0)
        check_each("sweep_range", self.sweep_range, partial(check_number, above=0.0))
        if len(self.sweep_range) != 2:
            raise SettingError("sweep_range", f"{list(self.sweep_range)} must be two numbers")
        check_bool("layers", self.layers)
        check_each("noise_norms", self.noise_norms, partial(_member, NOISE_NORMS))
        if self.max_batch is not None:
            check_int("max_batch", self.max_batch, 1)
        as_floats(self, "cutoffs", "deltas", "sweep_range", "adversarial_cutoffs")
        self._check_adversarial()

    def as_config(self) -> dict[str, Any]:
        """Every field as a config value, but the adversarial ones when the option is off: a
        probe that measures no adversarial diffeo keeps the identity (its job's --settings)
        it had before the option existed, so Snakemake does not rerun it."""
        values = super().as_config()
        if self.adversarial:
            return values
        return {k: v for k, v in values.items() if not k.startswith("adversarial")}

    def _check_adversarial(self) -> None:
        check_bool("adversarial", self.adversarial)
        check_each("adversarial_cutoffs", self.adversarial_cutoffs, check_cutoff)
        check_choice(
            "adversarial_interpolation", self.adversarial_interpolation, ADVERSARIAL_INTERPOLATIONS
        )
        check_int("adversarial_steps", self.adversarial_steps, 0)
        check_int("adversarial_restarts", self.adversarial_restarts, 1)
        check_number("adversarial_step_size", self.adversarial_step_size, 0.0)
        if self.adversarial and self.adversarial_interpolation not in self.interpolations:
            raise SettingError(
                "adversarial_interpolation",
                f"{self.adversarial_interpolation!r} is not among the measured interpolations "
                f"{list(self.interpolations)}",
            )
        missing = [c for c in self.adversarial_cutoffs if c not in self.cutoffs]
        if self.adversarial and missing:
            raise SettingError(
                "adversarial_cutoffs",
                f"{missing} not among the measured cutoffs {list(self.cutoffs)}",
            )

    def adversarial_at(self, interpolation: str, c: float, point: str) -> bool:
        """Whether the adversarial columns are measured at this point."""
        return (
            self.adversarial
            and interpolation == self.adversarial_interpolation
            and c in self.adversarial_cutoffs
            and point != "sweep"
        )

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> Self:
        """From the config's `probe` keys (its scalar `delta` is the one delta point; the
        `headline` and `overrides` keys are not settings of a job)."""
        values = {k: v for k, v in section.items() if k not in ("headline", "overrides")}
        if "delta" in values:
            values["deltas"] = [values.pop("delta")]
        return super().from_config(values)

    @classmethod
    def config_defaults(cls) -> dict[str, Any]:
        defaults = super().config_defaults()
        del defaults["max_batch"]  # a device setting of the command, not a config key
        defaults["delta"] = defaults.pop("deltas")[0]
        return defaults


def _member(allowed: tuple[str, ...], key: str, value: Any) -> None:
    check_choice(key, value, allowed)


@dataclass(frozen=True)
class ImagenetSettings(Settings):
    """The optional ImageNet probe (config `imagenet`): `n_probe` images of a folder, centre
    crops of `size` px, larger cut-offs than for the small images, no delta sweep."""

    images: str | None = None
    weights: Mapping[str, str] = field(default_factory=dict)
    n_probe: int = 500
    size: int = 320
    cutoffs: tuple[float, ...] = (3.0, 10.0, 30.0)

    def __post_init__(self) -> None:
        check_int("n_probe", self.n_probe, 2)
        check_int("size", self.size, 8)
        check_each("cutoffs", self.cutoffs, check_cutoff)
        as_floats(self, "cutoffs")

    def probe_settings(self, probe: ProbeSettings) -> ProbeSettings:
        """The probe job's settings: the interpolations, delta, cut-off rule and noise norms of
        `probe`, this section's images and cut-offs, no sweep, no per-block rows, no
        adversarial columns."""
        return replace(
            probe,
            n_probe=self.n_probe,
            cutoffs=self.cutoffs,
            sweep_points=0,
            layers=False,
            adversarial=False,
        )
