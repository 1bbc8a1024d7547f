"""The headline R_f: the one selection of probe rows that the claims and every figure show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from diffeo_stability.settings import Settings, check_number
from diffeo_stability.tables.queries import select


@dataclass(frozen=True)
class Headline(Settings):
    """The headline R_f: which probe rows the claims table and every figure show, set once in
    the config (`probe.headline`, `probe.delta`, `probe.cutoff_rule`). Defaults: the authors'
    code (median statistic, per-image noise norm), bilinear, c = 3, delta = 1; the paper's text
    uses the mean noise norm (docs/conventions.md)."""

    statistic: str = "median"
    noise_norm: str = "per_image"
    interpolation: str = "bilinear"
    c: float = 3.0
    delta: float = 1.0
    cutoff_rule: str = ""  # as probed (the probe tables record it); "" = not stated

    def __post_init__(self) -> None:
        check_number("c", self.c, 1.0)
        check_number("delta", self.delta, 0.0)
        object.__setattr__(self, "c", float(self.c))
        object.__setattr__(self, "delta", float(self.delta))

    @classmethod
    def of_config(cls, config: Mapping) -> Headline:
        """From a validated workflow config (its `probe.headline`, `delta`, `cutoff_rule`)."""
        probe = config["probe"]
        return cls(**probe["headline"], delta=probe["delta"], cutoff_rule=probe["cutoff_rule"])

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> Headline:
        """From figure options (strings); absent keys keep the defaults."""
        return cls(
            options.get("statistic", cls.statistic),
            options.get("noise_norm", cls.noise_norm),
            options.get("interpolation", cls.interpolation),
            float(options.get("c", cls.c)),
            float(options.get("delta", cls.delta)),
            options.get("cutoff_rule", cls.cutoff_rule),
        )

    def options(self) -> dict[str, str]:
        """The figure options that select this headline (`from_options` reads them back)."""
        return {
            key: f"{value:g}" if isinstance(value, float) else value
            for key, value in asdict(self).items()
            if value != ""
        }

    @property
    def point(self) -> str:
        """Name of the probe point at displacement `delta` (e.g. "delta1")."""
        return f"delta{self.delta:g}"

    def describe(self) -> str:
        """The convention in words, e.g. for the claims table."""
        rule = f", cut-off rule {self.cutoff_rule}" if self.cutoff_rule else ""
        return (
            f"Headline R_f: output layer, delta = {self.delta:g}, c = {self.c:g}{rule}, "
            f"{self.interpolation}, {self.statistic} statistic, {self.noise_norm} noise "
            "norm."
        )

    def rows(self, frame: pd.DataFrame | None, point: str = "", **equals) -> pd.DataFrame:
        """Output-layer rows of this variant at `point` (default: the headline delta; "sweep"
        for the delta sweep), further filtered by `equals` (e.g. c=...)."""
        return select(
            frame,
            point=point or self.point,
            is_output=True,
            statistic=self.statistic,
            noise_norm=self.noise_norm,
            interpolation=self.interpolation,
            **equals,
        )
