"""The parameters of one stripe-model run (torch-free: config validation reads its fields
while the workflow builds its DAG)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from diffeo_stability.errors import ConfigError

#: stripe boundaries on x_1: Phi(HIGH) - Phi(LOW) = 1/2 for a standard normal x_1
LOW = -0.3
HIGH = 1.18549
LOSSES = ("hinge", "softhinge")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class StripeConfig:
    """All parameters of one stripe-model run (noise is ||nu|| = ||eta||, input units)."""

    d: int = 30
    P: int = 1024
    seed: int = 0
    h: int = 100
    alpha: float = 1e-6
    loss: str = "hinge"
    lr: float = 1.0
    max_steps: int = 30_000
    noise: float = 1.0
    n_test: int = 10_000
    device: str = "cpu"
    boost: float = 10.0
    dtype: str = "float64"

    def validate(self) -> None:
        """Raise ConfigError naming the first invalid field."""
        if self.loss not in LOSSES:
            raise ConfigError(f"stripe loss {self.loss!r} unknown; allowed: {', '.join(LOSSES)}")
        for key in ("d", "P", "h", "max_steps", "n_test"):
            if getattr(self, key) < (2 if key == "d" else 1):
                raise ConfigError(f"stripe {key} must be a positive integer (d >= 2)")
        if self.dtype not in DTYPES:
            raise ConfigError(f"stripe dtype {self.dtype!r} unknown; allowed: {', '.join(DTYPES)}")
        if not self.boost >= 1:
            raise ConfigError(f"stripe boost must be >= 1 (1 = plain GD), got {self.boost}")
        for key in ("alpha", "lr", "noise"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"stripe {key} must be a positive finite number, got {value}")
