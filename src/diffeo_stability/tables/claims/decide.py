"""Estimates with their uncertainty, and the one rule that turns them into a verdict.

A claim names a range of values (R_f in [1e-2, 1e-1], a slope < 0, a correlation >= 0.9). It
holds ("yes") when the whole interval of the estimate lies in the range, fails ("no") when the
whole interval lies outside it, and is "not testable at this scale" when the interval overlaps a
bound: the data do not decide it. Every interval is at the 95 % level: Student's t interval of a
mean of logs over seeds (n - 1 degrees of freedom) or of a least-squares slope (n - 2), or the
percentile interval of a bootstrap over nets and seeds (the error-vs-R_f fit and correlations).

An undecided t interval over seeds also says how many seeds would clear its bound at the
observed spread (`Spread.seeds_to_clear`): a projection, not a promise, since the spread itself
is estimated from few seeds.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

YES, NO = "yes", "no"
UNDECIDED = "not testable at this scale"
ABSENT = "not tested"  # the data are absent
VERDICTS = (YES, NO, UNDECIDED, ABSENT)
LEVEL = 0.95  # the confidence level of every interval
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 0
#: the most seeds a projection looks for (beyond: "more than MAX_SEEDS")
MAX_SEEDS = 1000


def t_quantile(dof: int) -> float:
    """The two-sided `LEVEL` quantile of Student's t with `dof` degrees of freedom (12.71 for
    one, 1.96 in the limit)."""
    return float(stats.t.ppf(0.5 + LEVEL / 2, dof))


def t_how(dof: int) -> str:
    """'95 % t interval (t=12.7, 1 dof)': how a t interval was made."""
    return f"{100 * LEVEL:g} % t interval (t={t_quantile(dof):.3g}, {dof} dof)"


@dataclass(frozen=True)
class Spread:
    """What a t interval over seeds rests on, to project its width to more seeds.

    center: the estimate in the interval's scale (mean log, or slope); per_seed_sd: the
    standard error the estimate would have from one seed (sd of the logs; a slope's standard
    error times sqrt(seeds per x)); points_per_seed: points one more seed adds (1; the number
    of distinct x of a slope); fitted: parameters fitted (1: a mean, 2: a slope); log: the
    interval is exp of this scale.
    """

    center: float
    per_seed_sd: float
    points_per_seed: int = 1
    fitted: int = 1
    log: bool = False

    def half_width(self, seeds: int) -> float:
        """The interval's half-width with `seeds` seeds at this spread (inf without dof)."""
        dof = seeds * self.points_per_seed - self.fitted
        return math.inf if dof < 1 else t_quantile(dof) * self.per_seed_sd / math.sqrt(seeds)

    def seeds_to_clear(self, bound: float) -> int | None:
        """The fewest seeds whose interval, at this center and spread, no longer contains
        `bound`; None beyond MAX_SEEDS (the center sits on the bound)."""
        if self.log and bound <= 0:
            return None  # never inside a log-scale interval
        distance = abs(self.center - (math.log(bound) if self.log else bound))
        if not math.isfinite(distance):
            return None
        # the half-width falls with the seeds: bisect for the first that fits
        low, high = 1, MAX_SEEDS
        if self.half_width(high) >= distance:
            return None
        if self.half_width(low) < distance:
            return low
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if self.half_width(middle) < distance else (middle, high)
        return high


@dataclass(frozen=True)
class Estimate:
    """A value with its interval [low, high] (NaN bounds: no uncertainty could be computed);
    `how` says what the interval is, e.g. "95 % t interval (t=12.7, 1 dof) over 2 seeds";
    `spread` (t intervals over seeds only) projects its width to more seeds."""

    value: float
    low: float
    high: float
    how: str
    spread: Spread | None = None

    @property
    def has_interval(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    def text(self) -> str:
        """'[0.021, 0.048] (95 % t interval (t=4.3, 2 dof) over 3 seeds)' or '' without an
        interval."""
        return f"[{self.low:.3g}, {self.high:.3g}] ({self.how})" if self.has_interval else ""


@dataclass(frozen=True)
class Decision:
    """A verdict (one of `VERDICTS`); when the data do not decide, why, and for a t interval
    over seeds the seeds that would clear the bound ('' when not projected; 'more than 1000')."""

    verdict: str
    reason: str = ""
    seeds_needed: str = ""


def decide(estimate: Estimate, low: float = -math.inf, high: float = math.inf) -> Decision:
    """`YES` if the interval of `estimate` lies within [low, high], `NO` if it lies wholly
    outside, else `UNDECIDED` (with the reason and, given a spread, the seeds that would
    decide it); `ABSENT` for a non-finite value."""
    if not math.isfinite(estimate.value):
        return Decision(ABSENT, "no finite value")
    if not estimate.has_interval:
        return Decision(UNDECIDED, f"no interval ({estimate.how})")
    if low <= estimate.low and estimate.high <= high:
        return Decision(YES)
    if estimate.high < low or estimate.low > high:
        return Decision(NO)
    inside = [bound for bound in (low, high) if estimate.low <= bound <= estimate.high]
    named = " and ".join(f"{bound:g}" for bound in inside)
    reason = f"the interval {estimate.text()} contains the bound{'s' * (len(inside) > 1)} {named}"
    if estimate.spread is None:
        return Decision(UNDECIDED, reason)
    # the interval must leave every bound it contains (the nearest is the last to go)
    needs = [estimate.spread.seeds_to_clear(bound) for bound in inside]
    needed = f"more than {MAX_SEEDS}" if None in needs else str(max(needs))
    return Decision(UNDECIDED, f"{reason}; {needed} seeds would clear it at this spread", needed)


def geometric_mean(values: Sequence[float] | np.ndarray, points_per_seed: int = 1) -> Estimate:
    """exp(mean log x) over seeds, with exp(mean +- t s / sqrt(n)) as its interval (s the
    standard deviation of the logs, t the 95 % quantile with n - 1 dof; no interval for a
    single value). Non-finite and non-positive values are left out. `points_per_seed`: the
    values one seed gives (e.g. a ratio at each of 4 P), so the label names values, not
    seeds, and the projection to more seeds adds that many values per seed."""
    x = np.asarray(values, dtype=float)
    logs = np.log(x[np.isfinite(x) & (x > 0)])
    n = len(logs)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, "no finite value")
    mean = float(logs.mean())
    if n < 2:
        return Estimate(math.exp(mean), math.nan, math.nan, "1 seed: no standard error")
    sd = float(logs.std(ddof=1))
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    over = f"{n} seeds" if points_per_seed == 1 else f"{n} values, {points_per_seed} per seed"
    return Estimate(
        math.exp(mean),
        math.exp(mean - half),
        math.exp(mean + half),
        f"{t_how(n - 1)} over {over}",
        Spread(mean, sd / math.sqrt(points_per_seed), points_per_seed, log=True),
    )


def log_slope(
    x: np.ndarray,
    y: np.ndarray,
    log_x: bool = True,
    seeds: bool = True,
    n_seeds: int | None = None,
) -> Estimate:
    """Least-squares slope of log y against log x (against x itself when not `log_x`) over
    the finite points with y > 0 (and x > 0), with its 95 % t interval (n - 2 dof, the
    standard error from the residuals). `seeds`: the points come from seeds, and the interval
    is projected to more seeds; otherwise (e.g. one mean per layer) it is not. The points of
    one seed are taken to be one per distinct x (seeds repeat the x values, e.g. P), unless
    `n_seeds` says how many seeds they come from (x measured on each seed, e.g. R_f)."""
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
    half = t_quantile(n - 2) * se
    # one seed's points alone would give a standard error sqrt(seeds) times larger
    seed_count = n_seeds or n / distinct
    per_seed = max(1, round(n / seed_count))
    spread = Spread(float(slope), se * math.sqrt(seed_count), per_seed, 2) if seeds else None
    how = f"{t_how(n - 2)}, {n} points at {distinct} values"
    return Estimate(float(slope), slope - half, slope + half, how, spread)


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
    tail = 100 * (1 - LEVEL) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    how = f"95 % bootstrap over {len(nets)} nets and their seeds"
    return Estimate(value, float(low), float(high), how)
