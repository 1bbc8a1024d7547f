"""Estimates with their uncertainty, and the one rule that turns them into a verdict.

A claim names a range of values (R_f in [1e-2, 1e-1], a slope < 0, a correlation >= 0.9). It
holds ("yes") when the whole interval of the estimate lies in the range, fails ("no") when the
whole interval lies outside it, and is "not testable at this scale" when the interval overlaps a
bound: the data do not decide it. The interval is the estimate +- 2 standard errors (a mean of
logs over seeds, a least-squares slope) or the 95 % percentile interval of a bootstrap over nets
and seeds (the error-vs-R_f fit and correlations).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

YES, NO = "yes", "no"
UNDECIDED = "not testable at this scale"
ABSENT = "not tested"  # the data are absent
VERDICTS = (YES, NO, UNDECIDED, ABSENT)
N_SE = 2.0  # half-width of an interval in standard errors
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_LEVEL = 0.95
BOOTSTRAP_SEED = 0


@dataclass(frozen=True)
class Estimate:
    """A value with its interval [low, high] (NaN bounds: no uncertainty could be computed);
    `how` says what the interval is, e.g. "+- 2 SE over 3 seeds"."""

    value: float
    low: float
    high: float
    how: str

    @property
    def has_interval(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    def text(self) -> str:
        """'[0.021, 0.048] (+- 2 SE over 3 seeds)' or '' without an interval."""
        return f"[{self.low:.3g}, {self.high:.3g}] ({self.how})" if self.has_interval else ""


@dataclass(frozen=True)
class Decision:
    """A verdict (one of `VERDICTS`) and, when the data do not decide, why."""

    verdict: str
    reason: str = ""


def decide(estimate: Estimate, low: float = -math.inf, high: float = math.inf) -> Decision:
    """`YES` if the interval of `estimate` lies within [low, high], `NO` if it lies wholly
    outside, else `UNDECIDED` (with the reason); `ABSENT` for a non-finite value."""
    if not math.isfinite(estimate.value):
        return Decision(ABSENT, "no finite value")
    if not estimate.has_interval:
        return Decision(UNDECIDED, f"no interval ({estimate.how})")
    if low <= estimate.low and estimate.high <= high:
        return Decision(YES)
    if estimate.high < low or estimate.low > high:
        return Decision(NO)
    bound = low if estimate.low < low <= estimate.high else high
    return Decision(UNDECIDED, f"the interval {estimate.text()} contains the bound {bound:g}")


def geometric_mean(values: Sequence[float] | np.ndarray) -> Estimate:
    """exp(mean log x) over seeds, with exp(mean +- 2 SE of the mean log) as its interval
    (no interval for a single seed). Non-finite and non-positive values are left out."""
    x = np.asarray(values, dtype=float)
    logs = np.log(x[np.isfinite(x) & (x > 0)])
    n = len(logs)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, "no finite value")
    mean = float(logs.mean())
    if n < 2:
        return Estimate(math.exp(mean), math.nan, math.nan, "1 seed: no standard error")
    half = N_SE * float(logs.std(ddof=1)) / math.sqrt(n)
    return Estimate(
        math.exp(mean), math.exp(mean - half), math.exp(mean + half), f"+- 2 SE over {n} seeds"
    )


def log_slope(x: np.ndarray, y: np.ndarray, log_x: bool = True) -> Estimate:
    """Least-squares slope of log y against log x (against x itself when not `log_x`) over
    the finite points with y > 0 (and x > 0), +- 2 SE from the residuals: seeds at the same x
    enter as separate points."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (y > 0) & ((x > 0) | (not log_x))
    lx, ly = (np.log(x[keep]) if log_x else x[keep]), np.log(y[keep])
    n, distinct = len(lx), len(np.unique(lx))
    if distinct < 2:
        return Estimate(math.nan, math.nan, math.nan, f"{distinct} distinct x")
    slope, intercept = np.polyfit(lx, ly, 1)
    if n < 3:
        return Estimate(float(slope), math.nan, math.nan, f"{n} points: no standard error")
    resid = ly - (slope * lx + intercept)
    se = math.sqrt(float(resid @ resid) / (n - 2) / float(np.sum((lx - lx.mean()) ** 2)))
    how = f"+- 2 SE, {n} points at {distinct} values"
    return Estimate(float(slope), slope - N_SE * se, slope + N_SE * se, how)


def bootstrap(
    nets: Sequence[np.ndarray],
    statistic: Callable[[np.ndarray], float],
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Estimate:
    """`statistic` of the per-net means, with the 95 % percentile interval of a two-level
    bootstrap: nets drawn with replacement, then each drawn net's seeds with replacement.

    nets: one array (seeds, k) per net (e.g. columns log R_f, log eps_t); statistic: a
    function of the (nets, k) array of per-net means. The draws depend on `seed` and the
    shapes only, so statistics of the same nets share their resamples. Resamples where the
    statistic is not finite (e.g. every drawn net the same) are left out.
    """
    rng = np.random.default_rng(seed)
    # every net's mean over its resampled seeds, for every sample: (nets, samples, k)
    resampled = np.stack(
        [net[rng.integers(len(net), size=(samples, len(net)))].mean(axis=1) for net in nets]
    )
    picked = rng.integers(len(nets), size=(samples, len(nets)))
    means = resampled[picked, np.arange(samples)[:, None]]  # (samples, nets, k)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # degenerate (re)samples: undefined correlations
        value = float(statistic(np.stack([net.mean(axis=0) for net in nets])))
        draws = np.array([statistic(sample) for sample in means])
    draws = draws[np.isfinite(draws)]
    if len(draws) < samples // 2:
        return Estimate(value, math.nan, math.nan, "bootstrap mostly degenerate")
    tail = 100 * (1 - BOOTSTRAP_LEVEL) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    how = f"95 % bootstrap over {len(nets)} nets and their seeds"
    return Estimate(value, float(low), float(high), how)
