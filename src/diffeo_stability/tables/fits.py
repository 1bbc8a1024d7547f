"""Power-law fits in log-log space."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PowerLaw:
    """y = prefactor * x ** exponent, fitted by least squares on (log x, log y)."""

    exponent: float
    prefactor: float
    exponent_stderr: float
    n_points: int
    prefactor_stderr: float = 0.0  # standard error of a (delta method on the log intercept)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.prefactor * np.asarray(x, dtype=float) ** self.exponent


def fit_power_law(x: np.ndarray, y: np.ndarray, exponent: float | None = None) -> PowerLaw:
    """Fit y = a x^b on positive finite points; with `exponent` given, fit only the prefactor."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    lx, ly = np.log(x[keep]), np.log(y[keep])
    n = int(keep.sum())
    if exponent is not None:
        if n < 1:
            raise ValueError("need at least one positive point to fit a prefactor")
        return PowerLaw(exponent, float(np.exp(np.mean(ly - exponent * lx))), 0.0, n)
    if n < 2:
        raise ValueError("need at least two positive points to fit a power law")
    slope, intercept = np.polyfit(lx, ly, 1)
    stderr = a_stderr = 0.0
    if n > 2:
        resid = ly - (slope * lx + intercept)
        var, sxx = resid @ resid / (n - 2), np.sum((lx - lx.mean()) ** 2)
        stderr = float(np.sqrt(var / sxx))
        a_stderr = float(np.exp(intercept) * np.sqrt(var * (1 / n + lx.mean() ** 2 / sxx)))
    return PowerLaw(float(slope), float(np.exp(intercept)), stderr, n, a_stderr)


def log_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of (log x, log y) over positive points (the paper's footnote 3)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return float(np.corrcoef(np.log(x[keep]), np.log(y[keep]))[0, 1])
