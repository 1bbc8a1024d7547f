"""Test error vs R_f over architectures at the largest P: eps_t = a R_f^b, the correlation of
log eps_t with log R_f, and with log D_f and log G_f alone (which the paper finds much weaker).

Every statistic is computed on the per-net means of the logs over seeds and carries the 95 %
interval of a bootstrap over nets and their seeds (`decide.bootstrap`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.decide import (
    UNDECIDED,
    Decision,
    Estimate,
    bootstrap,
    decide,
)
from diffeo_stability.tables.claims.rows import (
    absent_row,
    below_paper_size,
    claim_row,
    finite_positive,
    groups,
)
from diffeo_stability.tables.queries import full_size, select

EXPONENT_RANGE = (0.35, 0.65)  # fitted exponent within 0.5 +- 0.15
PREFACTOR_RANGE = (0.2 / 1.5, 0.24 * 1.5)  # paper 0.2-0.24, a factor 1.5 either side
CORRELATION_MIN = 0.9  # paper 0.97
MIN_NETS = 4
PAPER = "(CIFAR-10, 15 nets, P = 50k)"
#: columns of a net's (seeds, 4) array of logs
LOG_R, LOG_ERR, LOG_D, LOG_G = range(4)


def _fit(means: np.ndarray) -> tuple[float, float]:
    """(b, log a) of log eps = log a + b log R over the (nets, 4) per-net means."""
    x, y = means[:, LOG_R], means[:, LOG_ERR]
    dx = x - x.mean()
    slope = float(dx @ (y - y.mean()) / (dx @ dx))  # nan when every R_f is the same
    return slope, float(y.mean() - slope * x.mean())


def _corr(column: int) -> Callable[[np.ndarray], float]:
    return lambda means: float(np.corrcoef(means[:, column], means[:, LOG_ERR])[0, 1])


def _corr_gap(column: int) -> Callable[[np.ndarray], float]:
    """|corr(log eps, log R_f)| - |corr(log eps, log X)| for X the column (D_f or G_f)."""
    return lambda means: abs(_corr(LOG_R)(means)) - abs(_corr(column)(means))


#: (claim, paper value, criterion, statistic of the per-net means, claimed range)
CLAIMS: list[tuple[str, str, str, Callable[[np.ndarray], float], tuple[float, float]]] = [
    (
        "fit eps_t = a R_f^b: exponent b",
        "0.5",
        f"{EXPONENT_RANGE[0]:g} <= b <= {EXPONENT_RANGE[1]:g}",
        lambda m: _fit(m)[0],
        EXPONENT_RANGE,
    ),
    (
        "fit eps_t = a R_f^b: prefactor a",
        "0.2-0.24",
        f"{PREFACTOR_RANGE[0]:.3g} <= a <= {PREFACTOR_RANGE[1]:.3g}",
        lambda m: math.exp(_fit(m)[1]),
        PREFACTOR_RANGE,
    ),
    (
        "corr(log eps_t, log R_f)",
        "0.97",
        f">= {CORRELATION_MIN:g}",
        _corr(LOG_R),
        (CORRELATION_MIN, 1.0),
    ),
    (
        "D_f alone correlates less with eps_t than R_f",
        "much less (Fig. 15)",
        "|corr(log eps, log R_f)| - |corr(log eps, log D_f)| > 0",
        _corr_gap(LOG_D),
        (0.0, math.inf),
    ),
    (
        "G_f alone correlates less with eps_t than R_f",
        "much less (Fig. 16)",
        "|corr(log eps, log R_f)| - |corr(log eps, log G_f)| > 0",
        _corr_gap(LOG_G),
        (0.0, math.inf),
    ),
]


def fit_claims(seeds: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """The rows of `CLAIMS` per data set with at least MIN_NETS trained nets at its largest P
    (`seeds`: headline rows per seed); 'not testable' when the nets' test errors spread less
    than their seed scatter, or below the paper's P."""
    trained = full_size(select(seeds, state="trained"))
    out = []
    for group in groups(trained, ["dataset"]):
        usable = finite_positive(group, "R", "test_error", "D", "G")
        nets = [
            np.log(runs[["R", "test_error", "D", "G"]].to_numpy(dtype=float))
            for _, runs in usable.groupby("arch", sort=True)
        ]
        why = _untestable(nets) or below_paper_size(usable)
        for claim, paper, criterion, statistic, claimed in CLAIMS:
            if len(nets) < 2:
                estimate = Estimate(math.nan, math.nan, math.nan, "fewer than 2 nets")
            else:
                estimate = bootstrap(nets, statistic)
            decision = decide(estimate, *claimed)
            if why and nets:
                decision = Decision(UNDECIDED, why)
            out.append(
                claim_row(
                    claim,
                    f"{paper} {PAPER}",
                    criterion,
                    decision,
                    usable,
                    training,
                    estimate,
                    f"{len(nets)} nets",
                    arch="all",
                )
            )
    return out or [
        absent_row(claim, paper, criterion, "no trained rows at the largest P", arch="all")
        for claim, paper, criterion, _, _ in CLAIMS
    ]


def _untestable(nets: list[np.ndarray]) -> str:
    """Why the nets cannot decide a fit over architectures ('' when they can): fewer than
    MIN_NETS nets, or test errors whose spread over nets (std of the per-net mean log eps) is
    not larger than their seed scatter (root mean within-net variance of log eps)."""
    if len(nets) < MIN_NETS:
        return f"{len(nets)} nets < {MIN_NETS}"
    between = float(np.std([net[:, LOG_ERR].mean() for net in nets], ddof=1))
    repeated = [net[:, LOG_ERR] for net in nets if len(net) > 1]
    if not repeated:
        return "one seed per net: no seed scatter to compare the spread of test errors with"
    within = math.sqrt(float(np.mean([np.var(e, ddof=1) for e in repeated])))
    if between <= within:
        return (
            f"test errors spread over nets ({between:.3g} in log) no more than their seed "
            f"scatter ({within:.3g})"
        )
    return ""
